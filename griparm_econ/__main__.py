from griparm_econ.cli import main

raise SystemExit(main())
