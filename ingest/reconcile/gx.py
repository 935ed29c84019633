"""Great Expectations decides which reconciliation rows pass.

GX Core 1.x cannot validate DuckDB through SQL here (stack notes), so the checks are computed in DuckDB
(:mod:`ingest.reconcile.checks`) and the resulting frame is validated by a *file* data context committed under
``expectations/gx/``: a pandas data source, one dataframe asset with a whole-dataframe batch definition, one
expectation suite per severity (``reconciliation_error``, ``reconciliation_warn``) holding one
``ExpectColumnValuesToBeBetween(column="excess", max_value=0, row_condition=Column("rule_file") == "<rule>")``
per rule file of that severity (GX severity
critical / warning), one validation definition per suite and one checkpoint (``reconciliation``) with an
``UpdateDataDocsAction``. (Per severity rather than per rule: UpdateDataDocsAction re-renders the site once per
validation result, ≈ 2 s each, so 18 suites would cost ≈ 40 s a run; two cost ≈ 4 s.)

The frame is narrow — ``row_id``, ``rule_file``, ``excess`` (|diff| − tolerance, see checks.py) of every applicable
row, built in DuckDB — so its size is three numbers a row however many rules there are, and one checkpoint run
validates every rule on one batch, each expectation on its rule's rows. ``unexpected_index_list`` (result format
COMPLETE, keyed by ``row_id``) names the failing rows.

Data docs and validation results go to the reports folder, not to the committed project: great_expectations.yml
reads their directories from ``JIXIAO_GX_DATA_DOCS`` / ``JIXIAO_GX_VALIDATIONS``, set here while the context is
created (``<reports>/gx_data_docs``, ``<reports>/gx_validations``).
"""
from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..config import GX_ROOT
from .checks import ComputedChecks, Rule, gx_frame_sql

PREFIX = "reconciliation_"
DATASOURCE = "reconciliation"
ASSET = "reconciliation_checks"
BATCH = "whole_frame"
CHECKPOINT = "reconciliation"
DOCS_SITE = "local_site"
SEVERITY = {"error": "critical", "warn": "warning"}
ENV_DOCS = "JIXIAO_GX_DATA_DOCS"
ENV_VALIDATIONS = "JIXIAO_GX_VALIDATIONS"

log = logging.getLogger(__name__)


@dataclass
class GxOutcome:
    failed_row_ids: set[int]
    suite_success: dict[str, bool]       # rule file → GX success
    evaluated: dict[str, int]            # rule file → non-null rows GX looked at
    docs_index: Path | None


@contextmanager
def _env(values: dict[str, str]):
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def report_env(reports_dir: Path) -> dict[str, str]:
    docs, validations = Path(reports_dir) / "gx_data_docs", Path(reports_dir) / "gx_validations"
    docs.mkdir(parents=True, exist_ok=True)
    validations.mkdir(parents=True, exist_ok=True)
    return {ENV_DOCS: str(docs.resolve()) + os.sep, ENV_VALIDATIONS: str(validations.resolve()) + os.sep}


def open_context(gx_root: Path = GX_ROOT):
    """The file context of expectations/gx. GX substitutes ${JIXIAO_GX_*} when it uses a store, so call this and
    use the context inside ``_env(report_env(reports_dir))`` (as :func:`validate` does)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx

    return gx.get_context(mode="file", project_root_dir=str(gx_root))


SEVERITIES = ("error", "warn")


def _suite_for(severity: str, rules: list[Rule]):
    """One suite per severity; one expectation per rule file of that severity."""
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    exps = []
    for rule in rules:
        if rule.severity != severity:
            continue
        summary = rule.description.splitlines()[0] if rule.description else rule.name
        exps.append(gxe.ExpectColumnValuesToBeBetween(
            column="excess", max_value=0, severity=SEVERITY[severity],
            row_condition=Column("rule_file") == rule.name,
            description=f"{summary} — every applicable row: excess (|diff| − tolerance for 'eq') ≤ 0",
            meta={"rule": rule.name, "severity": severity, "check_sql": f"expectations/checks/{rule.path.name}"},
        ))
    return gx.ExpectationSuite(name=PREFIX + severity, expectations=exps,
                               meta={"severity": severity, "rules": [r.name for r in rules if r.severity == severity]})


def _suite_key(s) -> list:
    return sorted((e.type, e.kwargs.get("column"), e.kwargs.get("max_value"), str(e.kwargs.get("row_condition")),
                   str(e.severity), str(e.description)) for e in (ex.configuration for ex in s.expectations))


def _delete(factory, name: str) -> None:
    try:
        factory.delete(name)
    except Exception:  # noqa: BLE001 — not there
        pass


def ensure_objects(ctx, rules: list[Rule]):
    """Data source, asset, batch definition, suites, validation definitions and checkpoint: loaded from the
    committed project, (re)created only where missing or out of date with the rule files."""
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction

    try:
        ds = ctx.data_sources.get(DATASOURCE)
    except (KeyError, ValueError, LookupError):
        ds = ctx.data_sources.add_pandas(DATASOURCE)
    try:
        asset = ds.get_asset(ASSET)
    except LookupError:
        asset = ds.add_dataframe_asset(ASSET)
    try:
        batch = asset.get_batch_definition(BATCH)
    except (KeyError, LookupError):
        batch = asset.add_batch_definition_whole_dataframe(BATCH)

    vds, rebuilt = [], False
    for severity in SEVERITIES:
        wanted = _suite_for(severity, rules)
        fresh = False
        try:
            suite = ctx.suites.get(wanted.name)
            if _suite_key(suite) != _suite_key(wanted):
                ctx.suites.delete(wanted.name)
                raise LookupError(wanted.name)
        except Exception:  # noqa: BLE001 — DataContextError when missing
            _delete(ctx.suites, wanted.name)
            suite = ctx.suites.add(wanted)
            fresh = True
        try:
            vd = ctx.validation_definitions.get(PREFIX + severity)
            if fresh or vd.suite.name != suite.name or vd.data.id != batch.id:
                ctx.validation_definitions.delete(PREFIX + severity)
                raise LookupError(severity)
        except Exception:  # noqa: BLE001
            _delete(ctx.validation_definitions, PREFIX + severity)
            vd = ctx.validation_definitions.add(gx.ValidationDefinition(name=PREFIX + severity, data=batch,
                                                                        suite=suite))
            fresh = True
        rebuilt = rebuilt or fresh
        vds.append(vd)
    try:
        cp = ctx.checkpoints.get(CHECKPOINT)
        if rebuilt or [v.id for v in cp.validation_definitions] != [v.id for v in vds]:
            ctx.checkpoints.delete(CHECKPOINT)
            raise LookupError(CHECKPOINT)
    except Exception:  # noqa: BLE001
        _delete(ctx.checkpoints, CHECKPOINT)
        cp = ctx.checkpoints.add(gx.Checkpoint(
            name=CHECKPOINT, validation_definitions=vds,
            actions=[UpdateDataDocsAction(name="update_data_docs", site_names=[DOCS_SITE])],
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["row_id"]},
        ))
    return cp


def validate(checks: ComputedChecks, rules: list[Rule], run_id: str, reports_dir: Path, ctx=None) -> GxOutcome:
    """Validate computed checks (rows in DuckDB; only the narrow GX frame — row_id, rule_file, excess — comes to
    pandas)."""
    with _env(report_env(reports_dir)):
        return _validate(checks, rules, run_id, ctx or open_context())


def _validate(checks: ComputedChecks, rules: list[Rule], run_id: str, ctx) -> GxOutcome:
    from great_expectations.core.run_identifier import RunIdentifier

    from .checks import load_rules

    # The suites always cover the whole catalogue of rule files (so a subset run does not rewrite the committed
    # suites); rules not computed in this run get an all-NULL column and pass vacuously.
    catalogue = {r.name: r for r in load_rules()}
    catalogue.update({r.name: r for r in rules})
    cp = ensure_objects(ctx, sorted(catalogue.values(), key=lambda r: r.name))
    df = checks.con.execute(gx_frame_sql(checks.table)).df()
    df["rule_file"] = df["rule_file"].astype("category")
    res = cp.run(batch_parameters={"dataframe": df}, run_id=RunIdentifier(run_name=run_id))
    failed: set[int] = set()
    success: dict[str, bool] = {}
    evaluated: dict[str, int] = {}
    for vr in res.run_results.values():
        for er in vr.results:
            cfg = er.expectation_config
            rule = (cfg.meta or {}).get("rule")
            if er.exception_info and er.exception_info.get("raised_exception"):
                raise RuntimeError(f"GX could not evaluate {rule}: {er.exception_info.get('exception_message')}")
            r = er.result or {}
            success[rule] = bool(er.success)
            evaluated[rule] = int(r.get("element_count", 0) or 0) - int(r.get("missing_count", 0) or 0)
            for item in r.get("unexpected_index_list") or []:
                failed.add(int(item["row_id"] if isinstance(item, dict) else item))
    docs = None
    try:
        for site in ctx.get_docs_sites_urls(site_name=DOCS_SITE):
            url = site.get("site_url") or ""
            if url.startswith("file://"):
                docs = Path(url[len("file://"):])
    except Exception:  # noqa: BLE001 — docs location is informative only
        pass
    return GxOutcome(failed_row_ids=failed, suite_success=success, evaluated=evaluated, docs_index=docs)
