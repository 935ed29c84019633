"""Great Expectations decides which reconciliation rows pass.

GX Core 1.x cannot validate DuckDB through SQL here (stack notes), so the checks are computed in DuckDB
(:mod:`ingest.reconcile.checks`) and the resulting frame is validated by a *file* data context committed under
``expectations/gx/``: a pandas data source, one dataframe asset with a whole-dataframe batch definition, one
expectation suite per rule file (``reconciliation_R01`` … ``reconciliation_R18``) holding one
``ExpectColumnValuesToBeBetween(column="excess_<rule>", max_value=0)`` with the rule's severity, one validation
definition per suite and one checkpoint (``reconciliation``) with an ``UpdateDataDocsAction``.

The frame gets one ``excess_<rule>`` column per rule: the row's excess (|diff| − tolerance, see checks.py) on that
rule's applicable rows and NULL elsewhere (GX ignores NULLs), so one checkpoint run validates every rule on one
batch. ``unexpected_index_list`` (result format COMPLETE, keyed by ``row_id``) names the failing rows.

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

import pandas as pd

from ..config import GX_ROOT
from .checks import Rule

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


def _suite_for(rule: Rule):
    import great_expectations as gx
    import great_expectations.expectations as gxe

    summary = rule.description.splitlines()[0] if rule.description else rule.name
    exp = gxe.ExpectColumnValuesToBeBetween(
        column=f"excess_{rule.name}", max_value=0, severity=SEVERITY.get(rule.severity, "critical"),
        description=f"{rule.name}: |diff| − tolerance ≤ 0 on every applicable row ({rule.severity})",
        meta={"rule": rule.name, "severity": rule.severity, "check_sql": f"expectations/checks/{rule.path.name}"},
    )
    return gx.ExpectationSuite(name=PREFIX + rule.name, expectations=[exp],
                               meta={"rule": rule.name, "severity": rule.severity, "summary": summary})


def _same_suite(existing, wanted) -> bool:
    def key(s):
        return [(e.expectation_type, e.kwargs.get("column"), e.kwargs.get("max_value"), str(e.severity),
                 e.meta.get("severity")) for e in (ex.configuration for ex in s.expectations)]
    try:
        return key(existing) == key(wanted) and existing.meta.get("severity") == wanted.meta.get("severity")
    except Exception:  # noqa: BLE001 — anything odd: rebuild the suite
        return False


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

    vds, changed = [], False
    for rule in rules:
        wanted = _suite_for(rule)
        try:
            suite = ctx.suites.get(wanted.name)
            if not _same_suite(suite, wanted):
                ctx.suites.delete(wanted.name)
                raise LookupError
        except Exception:  # noqa: BLE001 — DataContextError when missing
            suite = ctx.suites.add(wanted)
            changed = True
        try:
            vd = ctx.validation_definitions.get(PREFIX + rule.name)
            if changed or vd.suite.name != suite.name or vd.data.id != batch.id:
                ctx.validation_definitions.delete(PREFIX + rule.name)
                raise LookupError
        except Exception:  # noqa: BLE001
            vd = ctx.validation_definitions.add(gx.ValidationDefinition(name=PREFIX + rule.name, data=batch,
                                                                        suite=suite))
            changed = True
        vds.append(vd)
        changed = False
    names = sorted(v.name for v in vds)
    try:
        cp = ctx.checkpoints.get(CHECKPOINT)
        if sorted(v.name for v in cp.validation_definitions) != names or \
                [v.id for v in cp.validation_definitions] != [v.id for v in vds]:
            ctx.checkpoints.delete(CHECKPOINT)
            raise LookupError
    except Exception:  # noqa: BLE001
        cp = ctx.checkpoints.add(gx.Checkpoint(
            name=CHECKPOINT, validation_definitions=vds,
            actions=[UpdateDataDocsAction(name="update_data_docs", site_names=[DOCS_SITE])],
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["row_id"]},
        ))
    return cp


def gx_frame(frame: pd.DataFrame, rules: list[Rule]) -> pd.DataFrame:
    out = pd.DataFrame({"row_id": frame["row_id"].astype("int64")})
    for rule in rules:
        mask = frame["rule_file"] == rule.name
        out[f"excess_{rule.name}"] = frame["excess"].where(mask).astype("float64")
    return out


def validate(frame: pd.DataFrame, rules: list[Rule], run_id: str, reports_dir: Path, ctx=None) -> GxOutcome:
    with _env(report_env(reports_dir)):
        return _validate(frame, rules, run_id, ctx or open_context())


def _validate(frame: pd.DataFrame, rules: list[Rule], run_id: str, ctx) -> GxOutcome:
    from great_expectations.core.run_identifier import RunIdentifier

    cp = ensure_objects(ctx, rules)
    # Only rule suites whose rows were computed get a column of their own; the others (a subset run) see an
    # all-NULL column and pass vacuously.
    all_rules = {v.name[len(PREFIX):] for v in cp.validation_definitions}
    known = {r.name for r in rules}
    df = gx_frame(frame, rules)
    for missing in sorted(all_rules - known):
        df[f"excess_{missing}"] = pd.Series([float("nan")] * len(df), dtype="float64")
    res = cp.run(batch_parameters={"dataframe": df}, run_id=RunIdentifier(run_name=run_id))
    failed: set[int] = set()
    success: dict[str, bool] = {}
    evaluated: dict[str, int] = {}
    for vr in res.run_results.values():
        rule = vr.suite_name[len(PREFIX):]
        success[rule] = bool(vr.success)
        for er in vr.results:
            r = er.result or {}
            evaluated[rule] = int(r.get("element_count", 0)) - int(r.get("missing_count", 0) or 0)
            if er.exception_info and er.exception_info.get("raised_exception"):
                raise RuntimeError(f"GX could not evaluate {vr.suite_name}: {er.exception_info.get('exception_message')}")
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
