"""Compute stage: run the reference implementations in ``computed/`` on the inputs the entries declare."""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .. import progress
from ..content.kinds import BY_FOLDER
from ..content.schema import Entry, Example, Formula, Plot, ProblemEntry
from ..content.sources import Content, EntrySource, Loaded
from ..content.yamlsource import Loc
from ..errors import ComputeError, Problem
from ..incremental.builder import module_digests
from ..incremental.cache import Cache, CodeIndex, Key, canonical, digest, versions
from ..parallel import map_chunks
from . import formulas, limits, plots, solution_source
from .formulas import FormulaCheck
from .project_code import ComputedModules, brief, call, close, last_computed_frame, load_computed, to_plain
from .results import Computation, EntryKey, EntryResults, ExampleResult, PlotResult, Solution, TestCaseResult
from .solution_source import standalone_source

__all__ = ["Computation", "Computer", "EntryResults", "compute_all", "load_computed", "to_plain"]

log = logging.getLogger(__name__)


class Computer:
    """The compute stage of one build: entries computed on request, each once, through the cache.

    ``compute(sources)`` is the stage itself: it computes those entries and raises with every
    problem at once. Calling the computer with another entry gives its results when a page
    first needs them (from the cache, unless its computations changed since they were stored).
    """

    def __init__(self, root: Path, cache: Cache | None = None) -> None:
        self.root = root
        self.cache = cache or Cache(None)
        self._computed: ComputedModules | None = None
        self.results: dict[EntryKey, EntryResults] = {}
        self.computations: list[Computation] = []
        """What ran and what was reused, in build order."""

    @property
    def computed(self) -> ComputedModules:
        if self._computed is None:
            self._computed = load_computed(self.root)
        return self._computed

    def __call__(self, source: EntrySource) -> EntryResults:
        key = (source.kind.folder, source.id)
        if key not in self.results:
            self.compute([source])
        return self.results[key]

    def compute(self, sources: Sequence[EntrySource]) -> None:
        """Run every example, formula check, plot and problem solution of ``sources``; raise with all failures at once.

        A computation whose code, inputs and library versions are unchanged is not run
        again (and its libraries are not even imported).
        """
        cache = self.cache
        run = _Run(self.computed, cache)
        entries = [(s.kind.folder, s.loaded) for s in sources]
        done: dict[int, list[Computation]] = {}
        # Computations missing from the cache run first, in worker processes that store what they compute
        # (they need a writable cache): the build itself then only reads the cache, and never imports
        # matplotlib or numpy, which would stay in its memory and in every process it forks later.
        run.defer = cache.folder is not None and not cache.read_only
        deferred = []
        for index, (kind, loaded) in enumerate(entries):
            start = len(run.computations), len(run.problems)
            try:
                self.results[(kind, loaded.model.id)] = run.entry(kind, loaded)
            except _Deferred:
                del run.computations[start[0] :], run.problems[start[1] :]
                deferred.append(index)
                continue
            done[index] = run.computations[start[0] :]
            progress.advance(f"{kind}/{loaded.model.id}")
        run.defer = False
        ran: dict[EntryKey, list[Computation]] = {}
        for part in map_chunks(
            functools.partial(_compute_part, run.computed, cache), [entries[i] for i in deferred], chunk=10
        ):
            ran.update(part)
        for index in deferred:
            kind, loaded = entries[index]
            start = len(run.computations)
            self.results[(kind, loaded.model.id)] = run.entry(kind, loaded)
            done[index] = ran.get((kind, loaded.model.id), run.computations[start:])  # a worker's: what ran and why
            progress.advance(f"{kind}/{loaded.model.id}")
        self.computations.extend(c for index in sorted(done) for c in done[index])
        if run.problems:
            raise ComputeError(run.problems)
        for kind, loaded in entries:
            cache.prune_entry(f"{kind}/{loaded.model.id}")  # slots of removed examples, plots or formulas


def compute_all(root: Path, content: Content, cache: Cache | None = None) -> Computer:
    """Compute every entry of ``content`` (see ``Computer.compute``), and prune what the cache holds for no entry."""
    computer = Computer(root, cache)
    computer.compute(list(content.entries.values()))
    computer.cache.prune(*BY_FOLDER)
    return computer


class _Deferred(Exception):
    """A computation of the entry is not in the cache: compute the entry with the others missing, later."""


def _compute_part(
    computed: ComputedModules, cache: Cache, part: list[tuple[str, Loaded[Entry]]]
) -> dict[EntryKey, list[Computation]]:
    """Compute the entries of ``part`` into ``cache`` (in a worker); what ran, for entries that had no problem."""
    run = _Run(computed, cache)
    found: dict[EntryKey, list[Computation]] = {}
    for kind, loaded in part:
        start, problems = len(run.computations), len(run.problems)
        run.entry(kind, loaded)
        if len(run.problems) == problems:
            found[(kind, loaded.model.id)] = run.computations[start:]
    return found


class _Run:
    """One compute stage: the project's modules, the cache, and what was found so far."""

    def __init__(self, computed: ComputedModules, cache: Cache) -> None:
        self.computed = computed
        self.cache = cache
        self.code = CodeIndex(computed.folder)
        self.problems: list[Problem] = []
        self.computations: list[Computation] = []
        self._code: set[str] = set()
        """The files of ``computed/`` the entry being computed depends on."""
        self.defer = False
        """Raise ``_Deferred`` at a computation the cache does not have, instead of running it."""

    def entry(self, kind: str, loaded: Loaded[Entry]) -> EntryResults:
        self._code = set()
        entry = loaded.model
        where = f"{kind}/{entry.id}"
        examples = {}
        for index, example in enumerate(entry.examples):
            result = self.example(where, loaded, index, example)
            if result is not None:
                examples[example.id] = result
        formulas = {}
        for index, formula in enumerate(entry.formulas):
            if formula.verify is not None and formula.verify.example in examples:
                check = self.formula(where, loaded, index, formula, examples[formula.verify.example])
                if check is not None:
                    formulas[formula.id] = check
        plots = {}
        for index, plot in enumerate(entry.plots):
            drawn = self.plot(where, loaded, index, plot)
            if drawn is not None:
                plots[plot.id] = drawn
        solution = self.solution(where, loaded) if isinstance(entry, ProblemEntry) else None
        return EntryResults(examples, solution, formulas, plots, tuple(sorted(self._code)))

    def _key(self, ref: str, inputs: Any, packages: tuple[str, ...], builder: tuple[str, ...], **spec: Any) -> Key:
        code = self.code.manifest(ref.partition(".")[0])
        self._code.update(code)
        components: dict[str, Any] = {
            "code": code,
            "function": ref,
            "inputs": digest(canonical(inputs).encode()),
            "versions": versions(*packages),
            "builder": module_digests(*builder),
        }
        if spec:
            components["spec_name"] = next(iter(spec))
            components["spec"] = digest(canonical(spec).encode())
        return Key(components)

    def _module_exists(self, ref: str, loaded: Loaded[Entry], loc: Loc) -> bool:
        module = ref.partition(".")[0]
        if (self.computed.folder / f"{module}.py").is_file():
            return True
        self.problems.append(loaded.problem(loc, f"no module computed/{module}.py for {ref!r}"))
        return False

    def _record(self, where: str, kind: str, item: str, ref: str, ran: bool, reason: str) -> None:
        computation = Computation(where, kind, item, ref, ran, reason)
        log.debug("%s", computation)
        self.computations.append(computation)

    def example(self, where: str, loaded: Loaded[Entry], index: int, example: Example) -> ExampleResult | None:
        loc: Loc = ("examples", index)
        if not self._module_exists(example.function, loaded, (*loc, "function")):
            return None
        key = self._key(example.function, example.inputs, ("numpy",), (__name__,))
        slot = f"{where}/example-{example.id}"
        hit, reason = self.cache.lookup(slot, key)
        if hit is None and self.defer:
            raise _Deferred
        if hit is not None:
            outputs = hit.data["outputs"]
        else:
            function = self.computed.resolve(example.function, loaded, (*loc, "function"), self.problems)
            if function is None:
                return None
            outputs = call(function, example.inputs, loaded, loc, example.function, self.problems)
            if outputs is None:
                return None
            if not isinstance(outputs, Mapping):
                self.problems.append(
                    loaded.problem(
                        (*loc, "function"),
                        f"{example.function} must return a mapping of named steps, not {type(outputs).__name__}",
                    )
                )
                return None
            self.cache.store(slot, key, {"outputs": outputs})
        self._record(where, "example", example.id, example.function, hit is None, reason)
        return ExampleResult(example.id, example.caption, example.inputs, dict(outputs), example.labels, example.digits)

    def formula(
        self, where: str, loaded: Loaded[Entry], index: int, formula: Formula, example: ExampleResult
    ) -> FormulaCheck | None:
        spec = formula.verify
        assert spec is not None
        loc: Loc = ("formulas", index)
        ref = next(e.function for e in loaded.model.examples if e.id == spec.example)
        key = self._key(
            ref,
            example.inputs,
            ("numpy",),
            (__name__, *formulas.SOURCES),
            formula={"latex": formula.latex, "verify": spec.model_dump()},
        )
        slot = f"{where}/formula-{formula.id}"
        hit, reason = self.cache.lookup(slot, key)
        if hit is None and self.defer:
            raise _Deferred
        check = FormulaCheck(formula.id, ref, spec.example, spec.output, spec.trials, spec.rtol)
        if hit is None:
            function = self.computed.resolve(ref, loaded, (*loc, "verify", "example"), self.problems)
            if function is None:
                return None
            sampler = getattr(self.computed.module(ref), f"sample_{ref.partition('.')[2]}", None)
            reference = formulas.Reference(
                function,
                ref,
                spec.example,
                example.inputs,
                example.outputs,
                sampler if callable(sampler) else None,
                to_plain,
            )
            seed = int(digest(f"{where}/{formula.id}".encode())[:8], 16)
            try:
                with limits.time_limit():
                    formulas.check_formula(
                        formula.id, formula.latex, spec.symbols, spec.output, spec.rtol, spec.trials, reference, seed
                    )
            except formulas.FormulaError as exc:
                message = f"formula {formula.id!r} `{formula.latex.strip()}` {exc}"
                self.problems.append(loaded.problem((*loc, *exc.field), message, exc.hint))
                return None
            except limits.ComputationTimeout as exc:
                self.problems.append(loaded.problem((*loc, "verify"), f"checking formula {formula.id!r}: {exc}"))
                return None
            self.cache.store(slot, key, {"checked": True})
        self._record(where, "formula", formula.id, ref, hit is None, reason)
        return check

    def plot(self, where: str, loaded: Loaded[Entry], index: int, plot: Plot) -> PlotResult | None:
        loc: Loc = ("plots", index)
        if not self._module_exists(plot.function, loaded, (*loc, "function")):
            return None
        key = self._key(plot.function, plot.inputs, ("numpy", "matplotlib"), (__name__, plots.__name__))
        slot = f"{where}/plot-{plot.id}"
        hit, reason = self.cache.lookup(slot, key, files=("svg", "png"))
        if hit is None and self.defer:
            raise _Deferred
        if hit is not None:
            data = hit.data
            return self._plotted(where, plot, hit.data["alt"], data["width"], data["height"], hit.files, reason)
        function = self.computed.resolve(plot.function, loaded, (*loc, "function"), self.problems)
        if function is None:
            return None
        try:
            with limits.time_limit():
                images = plots.draw(function, plot.inputs)
        except plots.PlotError as exc:
            self.problems.append(loaded.problem((*loc, "function"), f"{plot.function} {exc}"))
            return None
        except Exception as exc:  # the author's code may raise anything
            frame = last_computed_frame(exc)
            at = f" at {frame}" if frame else ""
            self.problems.append(loaded.problem(loc, f"{plot.function} raised {type(exc).__name__}: {exc}{at}"))
            return None
        files = {"svg": images.svg, "png": images.png}
        self.cache.store(slot, key, {"alt": images.alt, "width": images.width, "height": images.height}, files)
        return self._plotted(where, plot, images.alt, images.width, images.height, files, reason, ran=True)

    def _plotted(
        self,
        where: str,
        plot: Plot,
        alt: str,
        width: int,
        height: int,
        files: Mapping[str, bytes],
        reason: str,
        ran: bool = False,
    ) -> PlotResult:
        self._record(where, "plot", plot.id, plot.function, ran, reason)
        return PlotResult(plot.id, plot.caption, alt, width, height, files["svg"], files["png"])

    def solution(self, where: str, loaded: Loaded[Entry]) -> Solution | None:
        entry = loaded.model
        assert isinstance(entry, ProblemEntry)
        if not self._module_exists(entry.solution, loaded, ("solution",)):
            return None
        key = self._key(
            entry.solution,
            [case.inputs for case in entry.tests],
            ("numpy",),
            (__name__, solution_source.__name__),
        )
        slot = f"{where}/solution"
        hit, reason = self.cache.lookup(slot, key)
        if hit is None and self.defer:
            raise _Deferred
        if hit is not None:
            source, outputs = hit.data["source"], hit.data["outputs"]
        else:
            function = self.computed.resolve(entry.solution, loaded, ("solution",), self.problems)
            if function is None:
                return None
            before = len(self.problems)
            outputs = [
                call(function, case.inputs, loaded, ("tests", index), entry.solution, self.problems)
                for index, case in enumerate(entry.tests)
            ]
            if len(self.problems) > before:
                return None
            source = standalone_source(function)
            self.cache.store(slot, key, {"source": source, "outputs": outputs})
        tests = []
        for index, (case, output) in enumerate(zip(entry.tests, outputs, strict=True)):
            if case.expected is not None and not close(output, case.expected):
                self.problems.append(
                    loaded.problem(
                        ("tests", index, "expected"),
                        f"{entry.solution} returned {brief(output)}, but the test case expects {brief(case.expected)}",
                    )
                )
            tests.append(TestCaseResult(case.name, case.inputs, output))
        self._record(where, "solution", "", entry.solution, hit is None, reason)
        return Solution(entry.solution, source, tuple(tests))
