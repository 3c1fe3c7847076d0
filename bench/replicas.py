"""Several replicas on one PostgreSQL: two Slack and two Teams servers sharing one home and one database.

Each platform's two replicas are real `protocol-bot slack|teams --port P` subprocesses with the same
PROTOCOL_BOT_HOME (index versions, documents, corrections) and PROTOCOL_BOT_DATABASE_URL (the inbox,
conversations, feedback), against the stand-ins of bench/faults.py. The bench plays the load balancer,
sending the questions to the replicas in turn. Per platform:

- a wave of --questions questions, an admin `reindex` sent to the first replica a third of the way in,
  and `kill -9` of the second replica once half the wave is acknowledged;
- what got no 2xx delivered again, as the platform would, to the replica left;
- the killed replica started again (as a service manager would), and both asked `status` by an admin;
- counts: acknowledged, answered, lost, answered twice, apologies, 5xx, and whether both replicas
  serve the version the reindex built.

    .venv/bin/python bench/replicas.py                      # 300 questions per platform: 600 in all
    .venv/bin/python bench/replicas.py --platform slack --questions 60

Needs PostgreSQL's server programs (Debian's `postgresql`); a throwaway cluster is started for the run.
Not part of the test suite: it prints counts, and exits 1 when a target (0 lost, 0 answered twice, 0
apologies, 0 5xx, the new version served by both) is missed.
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.fault_drivers import (  # noqa: E402
    DUPLICATE_WINDOW,
    BenchError,
    Platform,
    Request,
    Server,
    SlackPlatform,
    TeamsPlatform,
    bench_home,
    free_port,
    progress,
)
from bench.faults import (  # noqa: E402
    Bench,
    build_index,
    ok,
    pick_questions,
    reindex_replies,
    report_oddities,
    server_env,
    tally,
    wait_for_replies,
)
from bot import messages  # noqa: E402
from tests.postgres_server import throwaway_server  # noqa: E402

_VERSION = re.compile(re.escape(messages.STATUS_HEADER.split("{")[0]) + r"(\S+?),")
_BUILT = re.compile(re.escape(messages.REINDEX_DONE.split("{")[0]) + r"(\S+?)\.")


class Balancer:
    """Sends each request to the replicas in turn, as a load balancer does; one that does not answer gets
    NO_RESPONSE, and the platform's re-delivery goes to the next."""

    def __init__(self, platform: Platform, replicas: list[Server], concurrency: int) -> None:
        self.platform, self.replicas, self.concurrency = platform, replicas, concurrency
        self._turn = itertools.count()
        self._lock = threading.Lock()

    def send(self, request: Request, *, resend: bool = False) -> int:
        alive = [server for server in self.replicas if server.alive()] if resend else self.replicas
        with self._lock:
            server = alive[next(self._turn) % len(alive)]
        return self.platform.send(server.port, request, resend=resend)


def wave(bench: Bench, platform: Platform, replicas: list[Server], args: argparse.Namespace
         ) -> tuple[dict[str, int], list[Request], Request, float]:
    """The questions in turn, a reindex on the first replica a third in, kill -9 of the second at half."""
    balancer = Balancer(platform, replicas, args.concurrency)
    requests = [platform.question(bench.next_question()) for _ in range(args.questions)]
    reindex = platform.question("reindex", admin=True)
    lock, acked, killed_at = threading.Lock(), [0], [0.0]
    statuses: dict[str, int] = {}

    def send(number_request: tuple[int, Request]) -> None:
        number, request = number_request
        if number == len(requests) // 3:
            statuses[reindex.key] = platform.send(replicas[0].port, reindex)
        status = balancer.send(request)
        statuses[request.key] = status
        with lock:
            acked[0] += ok(status)
            if acked[0] >= len(requests) // 2 and not killed_at[0]:
                killed_at[0] = time.monotonic()
                progress(f"kill -9 of the {platform.name} replica on port {replicas[1].port}")
                replicas[1].kill()

    progress(f"sending {len(requests)} {platform.name} questions to 2 replicas, {args.concurrency} at a time")
    with ThreadPoolExecutor(max_workers=args.concurrency) as senders:
        list(senders.map(send, enumerate(requests)))
    if not killed_at[0]:
        killed_at[0] = time.monotonic()
        replicas[1].kill()
    for _attempt in range(3):  # the platform delivers again what got no 2xx
        pending = [r for r in requests if not ok(statuses[r.key])]
        if not pending:
            break
        progress(f"delivering {len(pending)} unacknowledged {platform.name} requests again")
        for request in pending:
            statuses[request.key] = balancer.send(request, resend=True)
        time.sleep(1)
    return statuses, requests, reindex, killed_at[0]


def served_versions(platform: Platform, replicas: list[Server]) -> list[str | None]:
    """The index version each replica says it serves, asked by an admin."""
    asked = [(server, platform.question("status", admin=True)) for server in replicas]
    for server, request in asked:
        platform.send(server.port, request)
    replies = wait_for_replies(platform, [r.key for _, r in asked], deadline=time.monotonic() + 60, settle=0)
    versions: list[str | None] = []
    for _, request in asked:
        found = [m.group(1) for reply in replies.get(request.key, []) if (m := _VERSION.search(reply.text))]
        versions.append(found[0] if found else None)
    return versions


def run_platform(bench: Bench, platform: Platform, database_url: str, args: argparse.Namespace) -> tuple[str, bool]:
    env = {**bench.env, **platform.server_env(), "PROTOCOL_BOT_DATABASE_URL": database_url}
    replicas = [Server(platform.name, free_port(), env, bench.logs / f"{platform.name}-replica-{n}.log")
                for n in (1, 2)]
    for server in replicas:
        progress(f"starting {platform.name} replica on port {server.port}")
        server.start()
        bench.warm_up(platform, server)
    try:
        statuses, requests, reindex, killed_at = wave(bench, platform, replicas, args)
        keys = [r.key for r in requests]
        acked = [k for k in keys if ok(statuses[k])]
        progress(f"waiting at least {DUPLICATE_WINDOW:.0f} s after the kill for taken-over and second replies")
        replies = wait_for_replies(platform, acked + [reindex.key], deadline=time.monotonic() + args.wait,
                                   settle=1, not_before=killed_at + DUPLICATE_WINDOW)
        restarted = Server(platform.name, replicas[1].port, env, bench.logs / f"{platform.name}-replica-2b.log")
        replicas[1] = restarted.start()
        versions = served_versions(platform, replicas)
    finally:
        for server in replicas:
            server.stop()
    counts = tally(replies, keys)
    report_oddities(replies, keys)
    reindexed = reindex_replies(replies, [reindex.key])
    built = [m for reply in replies.get(reindex.key, []) if (m := _BUILT.search(reply.text))]
    new_version = built[0].group(1) if built else None
    both = new_version is not None and versions == [new_version, new_version]
    fives = sum(status >= 500 for status in statuses.values())
    figures = {
        "questions": len(keys), "acknowledged": len(acked), "never acknowledged": len(keys) - len(acked),
        "answered": counts.answered, "lost": tally(replies, acked).lost, "answered twice": counts.duplicated,
        "apologies": counts.apologies, "5xx": fives, "reindex reported": reindexed["reported"],
        "versions served": "/".join(v or "?" for v in versions), "new version": new_version or "?",
    }
    failed = [k for k in ("never acknowledged", "lost", "answered twice", "apologies", "5xx") if figures[k]]
    if not both:
        failed.append("new version not served by both")
    line = f"{platform.name:5} " + ", ".join(f"{k} {v}" for k, v in figures.items())
    return line + ("  [FAIL: " + ", ".join(failed) + "]" if failed else "  [ok]"), not failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--platform", choices=("slack", "teams", "both"), default="both")
    parser.add_argument("--questions", type=int, default=300, help="questions per platform")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight at once")
    parser.add_argument("--wait", type=float, default=240.0, help="seconds to wait for answers after the wave")
    parser.add_argument("--keep", action="store_true", help="keep the temporary home and the server logs")
    args = parser.parse_args(argv)
    lines, passed = [], True
    try:
        with bench_home("protocol-bot-replicas-", keep=args.keep) as home:
            logs = home / "logs"
            logs.mkdir()
            env = server_env(home, argparse.Namespace(runtime=None, workers=None))
            build_index(home, env)
            bench = Bench(argparse.Namespace(), home, logs, pick_questions(env), env)
            with throwaway_server() as database_url:
                for name in (["slack", "teams"] if args.platform == "both" else [args.platform]):
                    platform: Platform = SlackPlatform() if name == "slack" else TeamsPlatform()
                    platform.start()
                    try:
                        line, good = run_platform(bench, platform, database_url, args)
                    finally:
                        platform.stop()
                    lines.append(line)
                    passed &= good
    except BenchError as error:
        print(f"bench/replicas.py could not run: {error}", file=sys.stderr)
        return 2
    print("\n" + "\n".join(lines))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
