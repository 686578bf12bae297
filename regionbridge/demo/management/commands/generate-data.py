from django.core.management.base import BaseCommand, CommandError

from regionbridge.demo.generate import (
    GENERATED_PASSWORD,
    GenerateRefused,
    Progress,
    generate,
    sample_accounts,
)


class Command(BaseCommand):
    help = (
        "Fill the database with generated data: scale 1 is a realistic first year of the whole "
        "country (2,000 institutions, 400 partnerships, 500 accounts, 50,000 messages…). "
        "The same seed on the same starting database gives the same rows."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=float, required=True, help="1 = a year of the whole country; 0.01 …"
        )
        parser.add_argument("--seed", type=int, default=1, help="the random seed (default 1)")
        parser.add_argument(
            "--append",
            action="store_true",
            help="add another run to a database that already holds generated data",
        )

    def handle(self, *args, scale, seed, append, **options):
        if not 0 < scale <= 1000:
            raise CommandError("--scale must be above 0 (and at most 1000).")
        progress = Progress(self.stderr._out) if options["verbosity"] > 0 else None
        try:
            result = generate(scale=scale, seed=seed, append=append, progress=progress)
        except GenerateRefused as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"] == 0:
            return
        total = sum(result.rows.values())
        self.stdout.write(
            f"Generated run {result.run} at scale {scale:g} (seed {seed}): "
            f"{total:,} rows in {result.seconds:.1f}s."
        )
        for label, count in sorted(result.rows.items()):
            if count:
                self.stdout.write(f"  {label:<32} {count:>10,}")
        self.stdout.write(f"Accounts (password for all: {GENERATED_PASSWORD}), e.g.:")
        for email in sample_accounts(result.run):
            self.stdout.write(f"  {email}")
