"""Load on the Telegram bot: simulated users asking at once through the local Bot API stand-in.

The real `Application` polls the stand-in (`tests/botapi_stub.py`) and answers with the real pipeline over
the seed articles (`data/articles`, ingested into a temporary store), extractive backend by default so the
figures measure the bot, not the model. Each of `--users` chats sends `--questions` questions at random
moments within `--within` seconds while another chat sends /help every second. It prints what the users
got (answers, rate-limit and busy replies, anything lost) and the timings, and writes them as JSON.
With `--backend embedded` the real model (loaded once, before the clock starts) answers, and the questions
are ones whose answer it writes (`MODEL_QUESTIONS`), not "how many" questions answered from figures.

    PYTHONPATH=. .venv/bin/python bench/telegram_load.py                      # 20 users x 5 in a minute
    PYTHONPATH=. .venv/bin/python bench/telegram_load.py --within 5 --json burst.json   # a burst
    flock /work/helpers/heavy.lock env PYTHONPATH=. .venv/bin/python bench/telegram_load.py --backend embedded

Exit code 1 if any question was lost, answered twice or left on its placeholder.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the Bot API stand-in and the load run live with the tests

from botapi_stub import BotApiStub  # noqa: E402
from telegram_harness import MODEL_QUESTIONS, QUESTIONS, TOKEN, extractive_answerer, run_load  # noqa: E402

from bot.app import prepare_offline  # noqa: E402
from bot.settings import TelegramSettings  # noqa: E402
from index.articles import load_paths  # noqa: E402
from index.embedding import E5Embedding  # noqa: E402
from index.store import Store  # noqa: E402


async def _measure(args: argparse.Namespace, store: Store) -> dict[str, object]:
    answerer = extractive_answerer(store, backend=args.backend)
    async with BotApiStub(TOKEN) as stub:
        result = await run_load(
            answerer,
            stub,
            users=args.users,
            questions_per_user=args.questions,
            within_s=args.within,
            rate_limit_per_minute=args.rate_limit,
            max_queued=args.max_queued,
            questions=MODEL_QUESTIONS if args.backend == "embedded" else QUESTIONS,
        )
        summary = result.summary()
        summary["duplicates"] = sum(
            max(0, counts["answer"] + counts["rate_limited"] + counts["busy"] - args.questions)
            for counts in result.outcomes.values()
        )
        summary["rejected_by_telegram"] = len(stub.rejected)
    summary["settings"] = {
        "backend": args.backend,
        "within_s": args.within,
        "rate_limit_per_minute": args.rate_limit,
        "max_queued": args.max_queued,
    }
    return summary


def main() -> int:
    defaults = TelegramSettings()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--questions", type=int, default=5, help="questions per user")
    parser.add_argument("--within", type=float, default=60.0, help="seconds over which they are sent")
    parser.add_argument("--rate-limit", type=int, default=defaults.rate_limit_per_minute)
    parser.add_argument("--max-queued", type=int, default=defaults.max_queued)
    parser.add_argument("--backend", default="extractive", choices=["extractive", "embedded"])
    parser.add_argument("--json", type=Path, default=Path(".kabar/bench/telegram_load.json"))
    args = parser.parse_args()

    prepare_offline()
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        os.environ.pop(name, None)  # the stand-in is on 127.0.0.1, and httpx would proxy even that
    loaded = load_paths([REPO / "data" / "articles"])
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(E5Embedding(), path=Path(folder) / "store")
        store.ingest(loaded.articles)
        summary = asyncio.run(_measure(args, store))

    print(json.dumps(summary, indent=2, ensure_ascii=False))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written to {args.json}", file=sys.stderr)
    broken = summary["lost_or_stuck"] or summary["duplicates"] or summary["rejected_by_telegram"]
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
