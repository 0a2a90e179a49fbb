from vyre.cli import main

raise SystemExit(main())
