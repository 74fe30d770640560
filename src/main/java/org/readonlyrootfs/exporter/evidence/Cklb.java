package org.readonlyrootfs.exporter.evidence;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.readonlyrootfs.exporter.compliance.StigRule;
import org.readonlyrootfs.exporter.product.BuildInfo;

/**
 * A STIG Viewer 3 checklist ({@code .cklb}, JSON, {@code cklb_version} 1.0) for one host with the one
 * rule V-260936, its fields in STIG Viewer's order. STIG Manager imports it by {@code stig_id} and
 * {@code rule_id_src}; STIG Viewer 3 writes {@code rule_id} without the {@code _rule} suffix.
 */
public final class Cklb {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Cklb() {}

    public static String render(Evidence e) {
        String stigUuid = Evidence.stigUuid().toString();
        ObjectNode root = NODES.objectNode();
        root.put("title", BuildInfo.NAME + " " + BuildInfo.version() + ": " + e.host() + " " + StigRule.FINDING_ID);
        root.put("id", e.checklistId().toString());

        ObjectNode stig = NODES.objectNode();
        stig.put("stig_name", StigRule.STIG_NAME);
        stig.put("display_name", StigRule.STIG_DISPLAY_NAME);
        stig.put("stig_id", StigRule.BENCHMARK_ID);
        stig.put("release_info", StigRule.RELEASE_INFO);
        stig.put("version", StigRule.STIG_VERSION);
        stig.put("uuid", stigUuid);
        stig.put("reference_identifier", "");
        stig.put("size", 1);

        ObjectNode rule = NODES.objectNode();
        rule.put("group_id_src", StigRule.FINDING_ID);
        ObjectNode group = NODES.objectNode();
        group.put("id", StigRule.FINDING_ID);
        group.put("title", StigRule.SRG_ID);
        group.put("description", "<GroupDescription></GroupDescription>");
        rule.set("group_tree", NODES.arrayNode().add(group));
        rule.put("group_id", StigRule.FINDING_ID);
        rule.put("severity", StigRule.SEVERITY);
        rule.put("group_title", StigRule.SRG_ID);
        rule.put("rule_id_src", StigRule.RULE_ID);
        rule.put("rule_id", StigRule.ruleIdShort());
        rule.put("rule_version", StigRule.STIG_ID);
        rule.put("rule_title", StigRule.TITLE);
        rule.put("fix_text", StigRule.FIX_TEXT);
        rule.put("weight", StigRule.WEIGHT);
        rule.put("check_content", StigRule.CHECK_TEXT);
        ObjectNode ref = NODES.objectNode();
        ref.put("href", StigRule.BENCHMARK_ID + ".xml");
        ref.put("name", "M");
        rule.set("check_content_ref", ref);
        rule.put("classification", "Unclassified");
        rule.put("discussion", StigRule.DISCUSSION);
        for (String empty : new String[] {"false_positives", "false_negatives"}) {
            rule.put(empty, "");
        }
        rule.put("documentable", "false");
        for (String empty : new String[] {
            "security_override_guidance",
            "potential_impacts",
            "third_party_tools",
            "ia_controls",
            "responsibility",
            "mitigations",
            "mitigation_control"
        }) {
            rule.put(empty, "");
        }
        rule.set("legacy_ids", NODES.arrayNode());
        ArrayNode ccis = NODES.arrayNode().add(StigRule.CCI);
        rule.set("ccis", ccis);
        rule.put("reference_identifier", "");
        rule.put("uuid", Evidence.ruleUuid().toString());
        rule.put("stig_uuid", stigUuid);
        rule.put("status", e.status().cklb());
        rule.set("overrides", NODES.objectNode());
        rule.put("comments", e.comments());
        rule.put("finding_details", e.findingDetails());
        stig.set("rules", NODES.arrayNode().add(rule));
        root.set("stigs", NODES.arrayNode().add(stig));

        root.put("active", true);
        root.put("mode", 2);
        root.put("has_path", false);
        ObjectNode target = NODES.objectNode();
        target.put("target_type", "Computing");
        target.put("host_name", e.host());
        target.put("ip_address", e.asset().ip());
        target.put("mac_address", e.asset().mac());
        target.put("fqdn", e.asset().fqdn());
        target.put("comments", "Docker Engine " + e.daemonVersion());
        target.put("role", e.asset().role());
        target.put("is_web_database", false);
        target.put("technology_area", "");
        target.put("web_db_site", "");
        target.put("web_db_instance", "");
        target.putNull("classification");
        root.set("target_data", target);
        root.put("cklb_version", "1.0");
        return Json.write(root);
    }
}
