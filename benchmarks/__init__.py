"""`python -m benchmarks`: holds the application to the speed targets of issue 7.

Each step runs in a child process of its own (`benchmarks.child`), so the peak memory a
step reports is that step's alone, on a fresh database that the run creates and drops.
"""
