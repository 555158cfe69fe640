"""Paper Fig. 9: DCGAN losses against sigma_z and kappa, beside the theory (needs torch).

Usage: python scripts/figure9_gan.py [OUT_DIR] [--full] [gan-sweep options]
Default: the quick setting (about 4 minutes on 2 CPU cores) into figures/; --full: the
full setting, for a GPU.  Writes fig9.png, fig9.pdf and fig9.npz, and one result file per
run under OUT_DIR/runs (a rerun resumes).  Options: spinglass-gan gan-sweep --help.
"""

import sys

from spinglass_gan.experiments.cli import main

if __name__ == "__main__":
    args = sys.argv[1:]
    out = ["--out", args.pop(0)] if args and not args[0].startswith("-") else ["--out", "figures"]
    full = "--full" in args
    args = [a for a in args if a != "--full"]
    sys.exit(main([*out, *([] if full else ["--quick"]), *args]))
