"""Entry point of the accuracy harness (bench/accuracy/run.py); see bench/accuracy/README.md."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "accuracy"))

from run import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
