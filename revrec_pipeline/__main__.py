"""`python -m revrec_pipeline` is the `revrec` command."""

import sys

from revrec_pipeline.cli import main

sys.exit(main())
