package org.readonlyrootfs.exporter.evidence;

import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;
import org.readonlyrootfs.exporter.compliance.StigRule;
import org.readonlyrootfs.exporter.product.BuildInfo;

/**
 * A STIG Viewer 2 checklist ({@code .ckl}, XML) for one host with the one rule V-260936: {@code ASSET},
 * {@code STIG_INFO}, and one {@code VULN} of {@code STIG_DATA} pairs, {@code STATUS},
 * {@code FINDING_DETAILS} and {@code COMMENTS}. Written with the JDK's StAX writer, which escapes
 * markup; characters XML 1.0 cannot carry are replaced by U+FFFD.
 */
public final class Ckl {
    private static final XMLOutputFactory XML = XMLOutputFactory.newInstance();

    private Ckl() {}

    public static String render(Evidence e) {
        StringWriter out = new StringWriter();
        try {
            XMLStreamWriter w = XML.createXMLStreamWriter(out);
            Indenting x = new Indenting(w);
            w.writeStartDocument("UTF-8", "1.0");
            w.writeCharacters("\n");
            w.writeComment(BuildInfo.NAME + " " + clean(BuildInfo.version()));
            x.start("CHECKLIST");
            x.start("ASSET");
            x.element("ROLE", e.asset().role());
            x.element("ASSET_TYPE", "Computing");
            x.element("MARKING", e.asset().marking());
            x.element("HOST_NAME", e.host());
            x.element("HOST_IP", e.asset().ip());
            x.element("HOST_MAC", e.asset().mac());
            x.element("HOST_FQDN", e.asset().fqdn());
            x.element("TARGET_COMMENT", "Docker Engine " + e.daemonVersion());
            x.element("TECH_AREA", "");
            x.element("TARGET_KEY", "");
            x.element("WEB_OR_DATABASE", "false");
            x.element("WEB_DB_SITE", "");
            x.element("WEB_DB_INSTANCE", "");
            x.end();
            x.start("STIGS");
            x.start("iSTIG");
            x.start("STIG_INFO");
            Map<String, String> info = new LinkedHashMap<>();
            info.put("version", StigRule.STIG_VERSION);
            info.put("classification", "UNCLASSIFIED");
            info.put("customname", "");
            info.put("stigid", StigRule.BENCHMARK_ID);
            info.put("description", "");
            info.put("filename", BuildInfo.NAME);
            info.put("releaseinfo", StigRule.RELEASE_INFO);
            info.put("title", StigRule.STIG_NAME);
            info.put("uuid", Evidence.stigUuid().toString());
            info.put("notice", "terms-of-use");
            info.put("source", "STIG.DOD.MIL");
            for (Map.Entry<String, String> i : info.entrySet()) {
                x.start("SI_DATA");
                x.element("SID_NAME", i.getKey());
                if (!i.getValue().isEmpty()) {
                    x.element("SID_DATA", i.getValue());
                }
                x.end();
            }
            x.end();
            x.start("VULN");
            Map<String, String> data = new LinkedHashMap<>();
            data.put("Vuln_Num", StigRule.FINDING_ID);
            data.put("Severity", StigRule.SEVERITY);
            data.put("Weight", StigRule.WEIGHT);
            data.put("Group_Title", StigRule.SRG_ID);
            data.put("Rule_ID", StigRule.RULE_ID);
            data.put("Rule_Ver", StigRule.STIG_ID);
            data.put("Rule_Title", StigRule.TITLE);
            data.put("Vuln_Discuss", StigRule.DISCUSSION);
            data.put("IA_Controls", "");
            data.put("Check_Content", StigRule.CHECK_TEXT);
            data.put("Fix_Text", StigRule.FIX_TEXT);
            data.put("False_Positives", "");
            data.put("False_Negatives", "");
            data.put("Documentable", "false");
            data.put("Mitigations", "");
            data.put("Potential_Impact", "");
            data.put("Third_Party_Tools", "");
            data.put("Mitigation_Control", "");
            data.put("Responsibility", "");
            data.put("Security_Override_Guidance", "");
            data.put("Check_Content_Ref", "M");
            data.put("Class", "Unclass");
            data.put(
                    "STIGRef",
                    StigRule.STIG_NAME + " :: Version " + StigRule.STIG_VERSION + ", " + StigRule.RELEASE_INFO);
            data.put("TargetKey", "");
            data.put("STIG_UUID", Evidence.stigUuid().toString());
            data.put("CCI_REF", StigRule.CCI);
            for (Map.Entry<String, String> d : data.entrySet()) {
                x.start("STIG_DATA");
                x.element("VULN_ATTRIBUTE", d.getKey());
                x.element("ATTRIBUTE_DATA", d.getValue());
                x.end();
            }
            x.element("STATUS", e.status().ckl());
            x.element("FINDING_DETAILS", e.findingDetails());
            x.element("COMMENTS", e.comments());
            x.element("SEVERITY_OVERRIDE", "");
            x.element("SEVERITY_JUSTIFICATION", "");
            x.end(); // VULN
            x.end(); // iSTIG
            x.end(); // STIGS
            x.end(); // CHECKLIST
            w.writeCharacters("\n");
            w.writeEndDocument();
            w.close();
        } catch (XMLStreamException ex) {
            throw new IllegalStateException("cannot write the checklist: " + ex.getMessage(), ex);
        }
        return out.toString();
    }

    /** Characters XML 1.0 allows; others (control characters, lone surrogates) become U+FFFD. */
    static String clean(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok;
            if (Character.isHighSurrogate(c)) {
                ok = i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
                if (ok) {
                    if (b != null) {
                        b.append(c).append(s.charAt(i + 1));
                    }
                    i++;
                    continue;
                }
            } else {
                ok = c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD);
            }
            if (!ok && b == null) {
                b = new StringBuilder(s.length()).append(s, 0, i);
            }
            if (b != null) {
                b.append(ok ? c : '\uFFFD');
            }
        }
        return b == null ? s : b.toString();
    }

    /** Two-space indentation for elements; text content written as is. */
    private static final class Indenting {
        private final XMLStreamWriter w;
        private int depth;

        Indenting(XMLStreamWriter w) {
            this.w = w;
        }

        void start(String name) throws XMLStreamException {
            w.writeCharacters("\n" + "  ".repeat(depth));
            w.writeStartElement(name);
            depth++;
        }

        void end() throws XMLStreamException {
            depth--;
            w.writeCharacters("\n" + "  ".repeat(depth));
            w.writeEndElement();
        }

        void element(String name, String text) throws XMLStreamException {
            w.writeCharacters("\n" + "  ".repeat(depth));
            w.writeStartElement(name);
            w.writeCharacters(clean(text));
            w.writeEndElement();
        }
    }
}
