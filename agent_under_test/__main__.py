"""Run the reference agent as a LiveKit worker: `python -m crosstalk_agent start` (or `dev`).

It registers as `crosstalk-agent` (or `$LIVEKIT_AGENT_NAME`) for explicit dispatch and builds
each job's agent with `create_agent`, the factory the in-process runner uses. Needs LIVEKIT_URL,
LIVEKIT_API_KEY and LIVEKIT_API_SECRET; see docs/scale.md.
"""

from __future__ import annotations

from crosstalk_agent import create_agent
from crosstalk_harness.worker import serve_agent, worker_options
from livekit.agents import JobContext, cli

AGENT_NAME = "crosstalk-agent"


async def entrypoint(ctx: JobContext) -> None:
    await serve_agent(ctx, create_agent)


if __name__ == "__main__":
    cli.run_app(worker_options(entrypoint, default_agent_name=AGENT_NAME))
