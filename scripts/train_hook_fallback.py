"""Trains the hook typing's learned fallback from the labelled dev captions (make hook-model).

Reads tests/data/hooks_dev.csv and writes text_rules/data/hook_fallback.json: the Naive Bayes counts
text_rules.hooks reads on first use. Run it after changing the dev captions or the fallback's
features; tests/text_rules/test_hook_typing.py fails until the shipped file matches.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from text_rules.hooks import FALLBACK_MODEL_FILE, train_fallback  # noqa: E402

DEV_CAPTIONS_FILE = ROOT / "tests" / "data" / "hooks_dev.csv"


def main() -> None:
    with DEV_CAPTIONS_FILE.open(newline="", encoding="utf-8") as handle:
        trained = train_fallback((row["caption"], row["type"]) for row in csv.DictReader(handle))
    FALLBACK_MODEL_FILE.parent.mkdir(parents=True, exist_ok=True)
    FALLBACK_MODEL_FILE.write_text(json.dumps(trained, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n",
                                   encoding="utf-8")
    print(f"{FALLBACK_MODEL_FILE.relative_to(ROOT)}: {sum(trained['priors'].values())} captions, "
          f"{len(set().union(*trained['counts'].values()))} features")


if __name__ == "__main__":
    main()
