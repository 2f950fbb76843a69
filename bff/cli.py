"""The `kabao` command: demo, serve, worker, reconcile, connector check, and merchant config tools."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from bff.demo.command import demo
from bff.demo.workspace import running_demo_env
from bff.merchants.loader import MERCHANT_ID, validate_dir
from bff.merchants.model import MerchantConfig
from bff.merchants.policy import ConfigPolicy
from bff.worker.commands import reconcile_command, worker_command

BESIDE_DEMO = ("connector", "reconcile", "db")  # commands that use a running demo's environment when there is one


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """Kabao (卡包): merchants' card wallet."""
    if ctx.invoked_subcommand in BESIDE_DEMO and (found := running_demo_env(os.environ)):
        path, values = found
        for name, value in values.items():
            os.environ.setdefault(name, value)  # what the caller set wins
        click.echo(f"kabao: a demo is running; using its environment from {path}", err=True)


main.add_command(demo)


@main.command()
@click.option(
    "--bind",
    "bind_to",
    default=lambda: os.environ.get("KABAO_BIND", "0.0.0.0:8080"),
    show_default="KABAO_BIND or 0.0.0.0:8080",
)
@click.option("--workers", default=lambda: int(os.environ.get("KABAO_WORKERS", "2")), show_default="KABAO_WORKERS or 2")
@click.option("--threads", default=lambda: int(os.environ.get("KABAO_THREADS", "8")), show_default="KABAO_THREADS or 8")
@click.option(
    "--access-log",
    default=lambda: os.environ.get("KABAO_ACCESS_LOG", "-"),
    show_default="KABAO_ACCESS_LOG or - (stdout)",
    help="Where gunicorn writes its access log (tokens redacted; card handles are opaque and kept).",
)
@click.option(
    "--keepalive",
    default=lambda: int(os.environ.get("KABAO_KEEPALIVE", "5")),
    show_default="KABAO_KEEPALIVE or 5",
    help="Seconds an idle HTTP connection stays open; behind a load balancer, longer than its idle timeout.",
)
def serve(bind_to: str, workers: int, threads: int, access_log: str, keepalive: int) -> None:
    """Run the wallet alone under gunicorn (threaded workers), settings from KABAO_* variables."""
    from gunicorn.app.base import BaseApplication

    from bff import create_app

    class Server(BaseApplication):
        def load_config(self) -> None:
            for key, value in {
                "bind": bind_to,
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread",
                "accesslog": access_log,
                "logger_class": "bff.access_log.RedactingGunicornLogger",
                "timeout": 60,
                "keepalive": keepalive,
            }.items():
                self.cfg.set(key, value)

        def load(self):  # noqa: ANN202
            return create_app()

    Server().run()


main.add_command(reconcile_command)
main.add_command(worker_command)


@main.group()
def connector() -> None:
    """Check merchants' card systems."""


@connector.command("check")
@click.argument("merchant_id")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--cards",
    "cards_file",
    type=click.Path(exists=True, dir_okay=False),
    help="YAML from the system provider: user_id, number, secret, other_number, sms_code_url.",
)
@click.option(
    "--from-sandbox",
    "sandbox_url",
    help="Take test cards from a Kabao sandbox's admin API at this URL [beside a running demo: its sandbox].",
)
@click.option(
    "--config-dir",
    default="wallet_config",
    show_default=True,
    envvar="KABAO_CONFIG_DIR",
    show_envvar=True,
    type=click.Path(exists=True, file_okay=False),
    help="The directory of merchant files.",
)
def connector_check(
    merchant_id: str, as_json: bool, cards_file: str | None, sandbox_url: str | None, config_dir: str
) -> None:
    """Run the conformance scenario against MERCHANT_ID's configured card system."""
    from bff.connector.check import Check, as_table, failed
    from bff.connector.check import as_json as rows_json
    from bff.connector.profile import profile_of
    from bff.connector.test_cards import from_file, from_sandbox

    policy = ConfigPolicy.from_environ(os.environ)
    merchants, problems = validate_dir(Path(config_dir), policy)
    merchant = next((m for m in merchants if m.id == merchant_id), None)
    if merchant is None:
        raise click.ClickException(f"no valid merchant {merchant_id!r}" + "".join(f"\n{p}" for p in problems))
    if not cards_file and not sandbox_url:
        sandbox_url = os.environ.get("KABAO_DEMO_SANDBOX_URL")
    if bool(cards_file) == bool(sandbox_url):
        raise click.UsageError("give test cards with --cards FILE or --from-sandbox URL")
    base_url = merchant.config.backend.base_url
    cards = from_file(Path(cards_file)) if cards_file else from_sandbox(sandbox_url, merchant_id, base_url)
    from bff.adapters.factory import Gateways

    gateways = Gateways(policy=policy)
    bind = merchant.config.flows.bind
    gateway = gateways.for_merchant(merchant)
    rows = Check(gateway, cards, bind.method, bind.card_number.luhn, profile_of(merchant.config)).run()
    gateways.close()
    click.echo(json.dumps(rows_json(rows), ensure_ascii=False, indent=2) if as_json else as_table(rows))
    if failed(rows):
        raise SystemExit(1)


@main.group()
def config() -> None:
    """Validate, describe and scaffold merchant configuration files."""


@config.command("validate")
@click.argument("directory", default="wallet_config", type=click.Path(exists=True, file_okay=False))
def config_validate(directory: str) -> None:
    """Check every merchant file under this environment's deployment policy (KABAO_CONFIG_ENV_*, KABAO_OUTBOUND_*)."""
    merchants, problems = validate_dir(Path(directory), ConfigPolicy.from_environ(os.environ))
    for problem in problems:
        click.echo(str(problem), err=True)
    for merchant in merchants:
        click.echo(f"ok  {merchant.path.name}")
    if problems:
        raise SystemExit(1)
    if not merchants:
        click.echo(f"no merchant files (*.yaml) in {directory}", err=True)
        raise SystemExit(1)


@config.command("schema")
@click.option("--output", "-o", default="wallet_config/schema.json", show_default=True, type=click.Path(dir_okay=False))
def config_schema(output: str) -> None:
    """Write the JSON Schema of a merchant file, generated from the model."""
    schema = MerchantConfig.model_json_schema(by_alias=True)
    Path(output).write_text(json.dumps(schema, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    click.echo(f"wrote {output}")


@config.command("new")
@click.argument("merchant_id")
@click.option("--dir", "directory", default="wallet_config", show_default=True, type=click.Path(file_okay=False))
def config_new(merchant_id: str, directory: str) -> None:
    """Scaffold a merchant file from the template, ready to edit."""
    if not MERCHANT_ID.fullmatch(merchant_id):
        raise click.BadParameter("use a-z, 0-9 and '-', 2 to 40 characters", param_hint="MERCHANT_ID")
    target = Path(directory) / f"{merchant_id}.yaml"
    if target.exists():
        raise click.ClickException(f"{target} exists already")
    from importlib import resources

    template = resources.files("bff.merchants").joinpath("template.yaml").read_text("utf-8")
    target.write_text(template.replace("{merchant_id}", merchant_id), encoding="utf-8")
    click.echo(f"wrote {target}; edit it, then run: kabao config validate {directory}")


from bff.db_cli import db  # noqa: E402 - the `kabao db` group lives in its own module

main.add_command(db)


if __name__ == "__main__":
    main()
