"""Which Saxon runs the compiled Schematron: SaxonC-HE, or Saxon-HE for Java in-process (issue 15).

``saxonc``
    SaxonC-HE (``saxonche`` from PyPI): a native image, on every machine.
``jvm``
    Saxon-HE for Java run in this process through JPype (PyPI), with the jar of Debian's
    ``libsaxonhe-java`` (``/usr/share/java/Saxon-HE.jar``, or ``$LSSINVOICE_SAXON_JAR``): the
    same compiled XSLT on the JVM, whose JIT makes it faster once warm. The JVM is started
    once per process (JPype cannot start a second one) with the JDK parser limits the SaxonC
    engine sets (:data:`validate.schematron.runner.SAXON_PARSER_LIMITS`), and every document is
    parsed by a JDK parser that refuses any DOCTYPE (as SaxonC's does), so no DTD, entity or
    external reference is ever loaded.
``auto``
    ``jvm`` when ``java``, the jar and JPype are there, ``saxonc`` otherwise.

The engine is chosen once per process: :func:`select` (``lssinvoice validate --engine``), else
``$LSSINVOICE_ENGINE``, else ``saxonc``. Both give the same findings on every example and
conformance test (``tests/test_engines.py`` runs both).
"""
from __future__ import annotations

import gc
import os
import shutil
import threading
from pathlib import Path

__all__ = ["ENGINES", "JvmEngine", "EngineUnavailable", "current", "freeze_start_up_objects", "jvm_available",
           "saxon_jar", "select"]

ENGINES = ("saxonc", "jvm", "auto")
DEBIAN_JAR = Path("/usr/share/java/Saxon-HE.jar")
_LOCK = threading.Lock()
_CURRENT = None


class EngineUnavailable(RuntimeError):
    """The engine asked for cannot run here (no java, no jar, no JPype)."""


def saxon_jar() -> Path | None:
    """The Saxon-HE jar: ``$LSSINVOICE_SAXON_JAR``, else Debian's, else None."""
    env = os.environ.get("LSSINVOICE_SAXON_JAR")
    path = Path(env) if env else DEBIAN_JAR
    return path if path.is_file() else None


def jvm_available() -> str | None:
    """None when the JVM engine can run, else why not."""
    if shutil.which("java") is None:
        return "no java on the PATH"
    if saxon_jar() is None:
        return "no Saxon-HE jar (install Debian's libsaxonhe-java, or set LSSINVOICE_SAXON_JAR)"
    try:
        import jpype  # noqa: F401
    except ImportError:
        return "JPype is not installed (pip install jpype1)"
    return None


JVM_OPTIONS = ("-XX:+DisableExplicitGC", "-XX:+UseSerialGC")
"""How the JVM is started, beside the parser limits.

``-XX:+DisableExplicitGC``: JPype links the two garbage collectors: when Python's memory has
grown at the end of a Python collection, it calls ``System.gc()``, a full stop-the-world
collection of the Java heap. libxml2's tree of a large invoice grows Python's memory, so a
50,000-line invoice paid several full collections of 20-70 ms each per validation. Our Java
objects never hold Python memory (the link is for those that do), and the JVM still collects
whenever its own heap needs it. Measured, steady state: 50,000 lines 87-113 µs per line with
the calls, 80-87 without.

``-XX:+UseSerialGC``: the work is a tree per document, garbage once its rules have run. The
default collector (G1) let the heap, and so the process, grow to twice the size for the same
times: an ingest worker peaked at 668 MB against 369 MB, the lines benchmark's process (up to
50,000 lines) at 3.0 GB against 1.4 GB; per document the times were the same within the
runs' spread (ingest 10.5 and 10.7 ms of CPU per invoice; 10,000 lines 728-719 and 756-777 ms)."""


class JvmEngine:
    """Saxon-HE for Java through JPype (module notes)."""

    name = "jvm"
    title = "Saxon-HE on the JVM"
    """How findings name this engine (``LSS-SCH-003``)."""
    parallel = True
    """Runs on several Python threads at once: JPype releases the GIL during a Java call."""

    def __init__(self):
        import jpype
        import jpype.imports  # noqa: F401  (Java packages as Python modules)

        from .runner import SAXON_PARSER_LIMITS

        if not jpype.isJVMStarted():
            limits = [f"-D{name}={value}" for name, value in SAXON_PARSER_LIMITS.items()]
            jpype.startJVM(*limits, *JVM_OPTIONS, classpath=[str(saxon_jar())], convertStrings=False)
        from java.io import StringReader, StringWriter
        from javax.xml.parsers import SAXParserFactory
        from javax.xml.transform.sax import SAXSource
        from javax.xml.transform.stream import StreamSource
        from net.sf.saxon.s9api import Processor
        from org.xml.sax import InputSource

        self._StringReader, self._StringWriter = StringReader, StringWriter
        self._SAXSource, self._StreamSource, self._InputSource = SAXSource, StreamSource, InputSource
        self._processor = Processor(False)
        self._builder = self._processor.newDocumentBuilder()
        # The JDK's own parser (Debian's jar puts Apache Xerces on the class path, which has none of
        # the JDK's limits: names over 1,000 characters would pass, where SaxonC refuses them).
        factory = SAXParserFactory.newDefaultInstance()
        factory.setNamespaceAware(True)
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", True)
        factory.setFeature("http://xml.org/sax/features/external-general-entities", False)
        factory.setFeature("http://xml.org/sax/features/external-parameter-entities", False)
        self._factory = factory
        self._local = threading.local()

    @property
    def version(self) -> str:
        return f"Saxon-HE {self._processor.getSaxonProductVersion()} (JVM)"

    def _pattern_parameter(self, pattern: int):
        """``{lssf:pattern: pattern}`` for ``setStylesheetParameters`` (compiler.PATTERN_PARAMETER)."""
        import jpype
        from java.util import HashMap
        from net.sf.saxon.s9api import QName, XdmAtomicValue

        from .compiler import LSSF, PATTERN_PARAMETER

        parameters = HashMap()
        parameters.put(QName(LSSF, PATTERN_PARAMETER.split(":")[1]), XdmAtomicValue(jpype.JLong(pattern)))
        return parameters

    def _reader(self):
        # A JDK SAX parser is not thread-safe: one per thread.
        reader = getattr(self._local, "reader", None)
        if reader is None:
            reader = self._local.reader = self._factory.newSAXParser().getXMLReader()
        return reader

    def parse(self, text: str):
        source = self._SAXSource(self._reader(), self._InputSource(self._StringReader(text)))
        return self._builder.build(source)

    def parse_bytes(self, data: bytes):
        """The tree of a whole document from its bytes: the JDK parser decodes them itself,
        sparing Python's decode and the copy into a Java string (on a 10,000-line invoice
        about 97 against 110 ms a tree, measured)."""
        import jpype
        from java.io import ByteArrayInputStream

        stream = ByteArrayInputStream(jpype.JArray(jpype.JByte)(data))
        return self._builder.build(self._SAXSource(self._reader(), self._InputSource(stream)))

    def compile(self, xslt_text: str):
        return self._processor.newXsltCompiler().compile(self._StreamSource(self._StringReader(xslt_text)))

    def run(self, executable, node, pattern: int = 0) -> str:
        transformer = executable.load30()
        if pattern:
            transformer.setStylesheetParameters(self._pattern_parameter(pattern))
        transformer.setGlobalContextItem(node)
        out = self._StringWriter()
        transformer.applyTemplates(node, self._processor.newSerializer(out))
        return str(out.toString())


_FROZEN = False


def freeze_start_up_objects() -> bool:
    """Once per process, after a worker's start-up (the engine running, its rules compiled):
    collect what is garbage, then move every object still alive out of the cyclic garbage
    collector's sight (:func:`gc.freeze`). True the first time, False after. Called by the
    worker processes of ``validate`` and ``ingest run`` after they warm up, and by a batch run
    in the calling process (``ingest run`` with one worker, ``validate`` of several files).

    Why: JPype links the two collectors the other way too. Each time the JVM collects (its
    young generation fills every 70-80 invoices in ingest), JPype's reference-queue thread
    takes the GIL and runs a *full* Python collection (``PyGC_Collect``), which walks every
    object the process holds: the modules, SQLAlchemy's and pydantic's machinery, the
    compiled rules, some 100,000 objects and 40 ms a time, while the worker waits for the
    GIL. Those start-up objects live as long as the process, so walking them finds nothing.
    Frozen, a full collection walks only what came after. Measured on the JVM engine
    (2026-12-06): 2 ms instead of 40 per collection in an ingest worker; one worker 7.0
    instead of 8.0 ms of CPU per invoice, two workers 8.1-8.2 instead of 8.5. SaxonC has no
    such link (Python's own full collections come about once per 1,500 invoices there), so it
    gains little, and loses nothing.

    What is frozen is never collected as a cycle later; what dies by its reference count is
    freed as before. Only objects alive at start-up are frozen, once: a long-running worker
    keeps collecting everything it makes after."""
    global _FROZEN
    with _LOCK:
        if _FROZEN:
            return False
        gc.collect()
        gc.freeze()
        _FROZEN = True
        return True


_MADE: dict[str, object] = {}  # one engine of each kind per process: executables belong to its processor


def _make(name: str):
    from .runner import SaxonCEngine

    if name == "auto":
        name = "jvm" if jvm_available() is None else "saxonc"
    if name not in ("saxonc", "jvm"):
        raise EngineUnavailable(f"unknown engine {name!r}; the engines are {', '.join(ENGINES)}")
    if name == "jvm" and name not in _MADE:
        why = jvm_available()
        if why:
            raise EngineUnavailable(f"the JVM engine cannot run here: {why}")
    if name not in _MADE:
        _MADE[name] = SaxonCEngine() if name == "saxonc" else JvmEngine()
    return _MADE[name]


def select(name: str):
    """Use engine ``name`` (``saxonc``, ``jvm``, ``auto``) from now on in this process."""
    global _CURRENT
    with _LOCK:
        _CURRENT = _make(name)
        return _CURRENT


def current():
    """The engine in use (chosen on first use: ``$LSSINVOICE_ENGINE``, else ``saxonc``)."""
    global _CURRENT
    with _LOCK:
        if _CURRENT is None:
            _CURRENT = _make(os.environ.get("LSSINVOICE_ENGINE", "saxonc"))
        return _CURRENT
