from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Loaders of made-up data: the live demo (load_demo) and bulk history for benchmarks
    (seed_load). Outside the domain apps: they call the services and the policy, never
    write a rule of their own."""

    name = "demo"
    verbose_name = "Demo and bulk data"
