"""Helpers shared by the tests: project copies run in-process, and pipelines run
in memory on tiny inputs."""
