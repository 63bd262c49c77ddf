"""Demo data: fictional state parties answering and reviewers reviewing, at any scale.

Used by `flask demo`, the tests and the benchmarks, never by the application itself: it
calls the services as a person would, and no service, view or domain module imports it.
"""
