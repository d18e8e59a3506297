"""python -m bench [suite ...] [--threads N] [--reps N] [--quick] — prints tables of medians next to the peers."""
import argparse
import sys

SUITES = ("kernels", "autodiff", "train", "startup", "agreement")
OPT_IN = ("contention",)  # run only when named: it spawns busy processes to load the cores


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("suites", nargs="*", default=list(SUITES),
                        help=f"any of {', '.join(SUITES + OPT_IN)} (default: all but {', '.join(OPT_IN)})")
    parser.add_argument("--threads", type=int, default=2, help="threads for every framework (default 2)")
    parser.add_argument("--reps", type=int, default=9, help="timed repeats per task (median reported)")
    parser.add_argument("--frameworks", default="", help="comma-separated peers to include (default: all)")
    parser.add_argument("--quick", action="store_true", help="a reduced task list")
    args = parser.parse_args(argv)
    unknown = [s for s in args.suites if s not in SUITES + OPT_IN]
    if unknown:
        parser.error(f"unknown suite(s) {unknown}; expected some of {list(SUITES + OPT_IN)}")
    if "kernels" in args.suites:
        from . import kernels

        kernels.run(threads=args.threads, reps=args.reps, quick=args.quick,
                    frameworks=[f for f in args.frameworks.split(",") if f])
    if "autodiff" in args.suites:
        from . import autodiff

        autodiff.run(threads=args.threads, reps=args.reps, quick=args.quick,
                     frameworks=[f for f in args.frameworks.split(",") if f])
    if "train" in args.suites:
        from . import train

        train.run(threads=args.threads, reps=min(args.reps, 3) if args.reps == 9 else args.reps, quick=args.quick,
                  frameworks=[f for f in args.frameworks.split(",") if f])
    if "startup" in args.suites:
        from . import startup

        startup.run(quick=args.quick, frameworks=[f for f in args.frameworks.split(",") if f])
    if "agreement" in args.suites:
        from . import agreement

        agreement.run()
    if "contention" in args.suites:
        from . import contention

        contention.run(reps=6 if args.reps == 9 else args.reps, quick=args.quick,
                       frameworks=[f for f in args.frameworks.split(",") if f])
    return 0


if __name__ == "__main__":
    sys.exit(main())
