"""The LiveKit transport: each session in its own room on a LiveKit server (Cloud or self-hosted).

`credentials` reads the server's URL and keys from the environment, `rooms` drives a room's
lifecycle through the server API, `media` is the simulated caller's realtime connection, and
`transport` joins them behind the same `Transport` seam as the in-process link.
"""
