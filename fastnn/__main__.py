"""`python -m fastnn info`: version, instruction-set path and threads of this installation."""
import argparse
import sys

import fastnn
from fastnn import _core


def info():
    print(f"fastnn {fastnn.__version__}")
    print(f"isa: {fastnn.isa()} (best supported: {_core.best_supported_isa()}; cpu: {_core.cpu_features()})")
    print(f"threads: {fastnn.get_num_threads()} (OpenMP: {'yes' if _core.has_openmp() else 'no'})")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m fastnn", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("info", help="print version, ISA path and thread count")
    args = parser.parse_args(argv)
    if args.command == "info":
        return info()
    return 2


if __name__ == "__main__":
    sys.exit(main())
