// Times the compiled Schematron XSLT on Saxon-HE for Java (s9api), for comparison with SaxonC.
//
// Run as a single source file (Java 11+):
//   java -cp Saxon-HE.jar bench/SaxonJavaBench.java WARMUP RUNS BIG_WARMUP BIG_RUNS BIG_BYTES \
//        name=stylesheet.xsl ... -- document.xml ...
// Each stylesheet is compiled once. A first pass runs every document WARMUP times through
// every stylesheet (JIT warm-up). Then, per document: parsing from the text in memory is
// timed on its own; the document is parsed once into a Saxon tree (the Python engine also
// hands SaxonC a parsed XdmNode) and transformed WARMUP + RUNS times (documents larger than
// BIG_BYTES: BIG_WARMUP + BIG_RUNS), each run with a new transformer (global variables are
// evaluated per run, as in a new SaxonC transformation) and output serialised to a string.
// Output, tab separated: "compile <name> <ms>", "parse <doc> <median ms>",
// "transform <name> <doc> <median ms> <assertions fired>" (a check that both Saxons agree).

import java.io.File;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.transform.stream.StreamSource;
import net.sf.saxon.s9api.DocumentBuilder;
import net.sf.saxon.s9api.Processor;
import net.sf.saxon.s9api.SaxonApiException;
import net.sf.saxon.s9api.Serializer;
import net.sf.saxon.s9api.Xslt30Transformer;
import net.sf.saxon.s9api.XsltExecutable;
import net.sf.saxon.s9api.XdmNode;

public class SaxonJavaBench {
    interface Step { void run() throws Exception; }

    static double medianMs(int warmup, int runs, Step step) throws Exception {
        for (int i = 0; i < warmup; i++) step.run();
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t = System.nanoTime();
            step.run();
            ms[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(ms);
        return runs % 2 == 1 ? ms[runs / 2] : (ms[runs / 2 - 1] + ms[runs / 2]) / 2;
    }

    static String transform(Processor proc, XsltExecutable exe, XdmNode doc) throws SaxonApiException {
        Xslt30Transformer t = exe.load30();
        t.setGlobalContextItem(doc);
        StringWriter out = new StringWriter();
        Serializer ser = proc.newSerializer(out);
        t.applyTemplates(doc, ser);
        return out.toString();
    }

    public static void main(String[] args) throws Exception {
        int warmup = Integer.parseInt(args[0]), runs = Integer.parseInt(args[1]);
        int bigWarmup = Integer.parseInt(args[2]), bigRuns = Integer.parseInt(args[3]);
        long bigBytes = Long.parseLong(args[4]);
        Map<String, String> sheets = new LinkedHashMap<>();
        List<String> docs = new ArrayList<>();
        boolean inDocs = false;
        for (String a : Arrays.copyOfRange(args, 5, args.length)) {
            if (a.equals("--")) { inDocs = true; continue; }
            if (inDocs) { docs.add(a); continue; }
            int eq = a.indexOf('=');
            sheets.put(a.substring(0, eq), a.substring(eq + 1));
        }
        Processor proc = new Processor(false);
        System.out.println("version\t" + proc.getSaxonProductVersion());
        Map<String, XsltExecutable> exes = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : sheets.entrySet()) {
            long t = System.nanoTime();
            exes.put(e.getKey(), proc.newXsltCompiler().compile(new StreamSource(new File(e.getValue()))));
            System.out.printf("compile\t%s\t%.3f%n", e.getKey(), (System.nanoTime() - t) / 1e6);
        }
        DocumentBuilder builder = proc.newDocumentBuilder();
        // One pass over every document first, so that the JIT has seen them all before any
        // figure is taken (otherwise the first document pays for the warm-up).
        for (String path : docs) {
            File file = new File(path);
            int w = file.length() > bigBytes ? bigWarmup : warmup;
            XdmNode doc = builder.build(file);
            for (XsltExecutable exe : exes.values()) {
                for (int i = 0; i < w; i++) transform(proc, exe, doc);
            }
        }
        for (String path : docs) {
            File file = new File(path);
            boolean big = file.length() > bigBytes;
            int w = big ? bigWarmup : warmup, n = big ? bigRuns : runs;
            String text = new String(Files.readAllBytes(file.toPath()), StandardCharsets.UTF_8);
            double parse = medianMs(w, n, () -> builder.build(new StreamSource(new StringReader(text))));
            System.out.printf("parse\t%s\t%.4f%n", file.getName(), parse);
            XdmNode doc = builder.build(new StreamSource(new StringReader(text)));
            for (Map.Entry<String, XsltExecutable> e : exes.entrySet()) {
                XsltExecutable exe = e.getValue();
                double ms = medianMs(w, n, () -> transform(proc, exe, doc));
                int fired = transform(proc, exe, doc).split("<f ", -1).length - 1;
                System.out.printf("transform\t%s\t%s\t%.4f\t%d%n", e.getKey(), file.getName(), ms, fired);
            }
        }
    }
}
