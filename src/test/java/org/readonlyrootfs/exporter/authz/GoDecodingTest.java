package org.readonlyrootfs.exporter.authz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The bodies read as the daemon's Go code reads them: case folding, escapes, duplicates, null, wrong
 * types, 20.10's top-level host configuration, and what is not one JSON object.
 */
class GoDecodingTest {
    private static CreateBody create(String json) throws Exception {
        return CreateBody.decode(json.getBytes(StandardCharsets.UTF_8));
    }

    private static boolean readonly(String json) throws Exception {
        return create(json).readonly();
    }

    private static ServiceBody service(String json) throws Exception {
        return ServiceBody.decode(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readOnlyOnlyWhenHostConfigSaysTrue() throws Exception {
        assertTrue(readonly("{\"Image\":\"busybox\",\"HostConfig\":{\"ReadonlyRootfs\":true}}"));
        assertFalse(readonly("{\"Image\":\"busybox\",\"HostConfig\":{\"ReadonlyRootfs\":false}}"));
        assertFalse(readonly("{\"Image\":\"busybox\",\"HostConfig\":{}}"));
        assertFalse(readonly("{\"Image\":\"busybox\"}"));
    }

    @Test
    void keysMatchCaseInsensitivelyAndTheLastDuplicateWins() throws Exception {
        // the issue's own examples
        assertFalse(readonly("{\"HostConfig\":{\"ReadonlyRootfs\":true,\"readonlyrootfs\":false}}"));
        assertTrue(readonly("{\"HostConfig\":{\"readonlyrootfs\":true}}"));
        assertTrue(readonly("{\"hostconfig\":{\"READONLYROOTFS\":true}}"));
        assertTrue(readonly("{\"HostConfig\":{\"ReadonlyRootfs\":false,\"ReadonlyRootfs\":true}}"));
        assertFalse(readonly("{\"HostConfig\":{\"ReadonlyRootfs\":true},\"HOSTCONFIG\":{\"readOnlyRootFS\":false}}"));
    }

    @Test
    void unicodeSimpleFoldingAsGoesBytesEqualFold() throws Exception {
        // U+017F LATIN SMALL LETTER LONG S folds with s; U+212A KELVIN SIGN with k
        assertTrue(readonly("{\"HostConfig\":{\"ReadonlyRootf\u017F\":true}}"));
        assertTrue(readonly("{\"Ho\u017FtConfig\":{\"ReadonlyRootfs\":true}}"));
        assertFalse(readonly("{\"HostConfig\":{\"ReadonlyRootfs\":true,\"Readonlyrootf\u017F\":false}}"));
        assertTrue(service("{\"Tas\u212ATemplate\":{\"ContainerSpec\":{\"ReadOnly\":true}}}")
                .readOnly());
        assertTrue(GoDecode.selects("\u212Aey", "Key"));
        assertTrue(GoDecode.selects("\u212Aey", "key"));
        // but no other non-ASCII look-alike: dotless i, Cyrillic o, fullwidth letters
        assertFalse(readonly("{\"HostConfig\":{\"Readonly\u0280ootfs\":true}}"));
        assertFalse(readonly("{\"H\u043EstConfig\":{\"ReadonlyRootfs\":true}}"));
        assertFalse(readonly("{\"HostConfig\":{\"\uFF32eadonlyRootfs\":true}}"));
        assertFalse(GoDecode.selects("\u0131mage", "Image"));
        assertFalse(GoDecode.selects("Imag", "Image"));
        assertFalse(GoDecode.selects("Images", "Image"));
    }

    @Test
    void escapesInKeysAreDecodedBeforeMatching() throws Exception {
        assertTrue(readonly("{\"HostConfig\":{\"Readonly\\u0052ootfs\":true}}"));
        assertTrue(readonly("{\"Host\\u0043onfig\":{\"ReadonlyRootf\\u017f\":true}}"));
        assertFalse(readonly("{\"HostConfig\":{\"ReadonlyRootfs\":true,\"\\u0072eadonlyrootfs\":false}}"));
        assertEquals("a/b\"c\\", create("{\"Image\":\"a\\/b\\\"c\\\\\"}").image());
    }

    @Test
    void nullIsANoOpForABoolButUnsetsHostConfig() throws Exception {
        assertTrue(readonly("{\"HostConfig\":{\"ReadonlyRootfs\":true,\"ReadonlyRootfs\":null}}"));
        assertFalse(readonly("{\"HostConfig\":{\"ReadonlyRootfs\":true},\"HostConfig\":null}"));
        assertFalse(readonly("{\"HostConfig\":null}"));
        assertFalse(create("{\"HostConfig\":null}").hostConfig());
        // a second object is decoded into the first: ReadonlyRootfs stays
        assertTrue(readonly("{\"HostConfig\":{\"ReadonlyRootfs\":true},\"HostConfig\":{\"Memory\":1}}"));
        // after a null, a fresh struct
        assertFalse(readonly("{\"HostConfig\":{\"ReadonlyRootfs\":true},\"HostConfig\":null,\"HostConfig\":{}}"));
        assertEquals("busybox", create("{\"Image\":\"busybox\",\"Image\":null}").image());
    }

    @Test
    void topLevelHostConfigFieldsNeverMakeACreateReadOnly() throws Exception {
        // Docker 20.10 reads them when HostConfig is absent; 23 and later ignore them: not certain
        CreateBody top = create("{\"Image\":\"busybox\",\"ReadonlyRootfs\":true}");
        assertFalse(top.readonly());
        assertTrue(top.topLevelReadonly());
        assertFalse(readonly("{\"ReadonlyRootfs\":true,\"HostConfig\":null}"));
        // with HostConfig present, 20.10 reads only it as well
        assertFalse(readonly("{\"ReadonlyRootfs\":true,\"HostConfig\":{\"ReadonlyRootfs\":false}}"));
        assertTrue(readonly("{\"ReadonlyRootfs\":false,\"HostConfig\":{\"ReadonlyRootfs\":true}}"));
    }

    private static final String[] WRONG_TYPES = {
        "{\"HostConfig\":{\"ReadonlyRootfs\":\"true\"}}",
        "{\"HostConfig\":{\"ReadonlyRootfs\":1}}",
        "{\"HostConfig\":{\"ReadonlyRootfs\":{}}}",
        "{\"HostConfig\":{\"ReadonlyRootfs\":[true]}}",
        "{\"HostConfig\":\"ReadonlyRootfs\"}",
        "{\"HostConfig\":[{\"ReadonlyRootfs\":true}]}",
        "{\"HostConfig\":true}",
        "{\"Image\":1}",
        "{\"Image\":[\"busybox\"]}",
        "{\"Labels\":[\"a=b\"]}",
        "{\"Labels\":{\"a\":1}}",
        "{\"Labels\":\"a=b\"}",
        "{\"ReadonlyRootfs\":\"yes\"}"
    };

    @Test
    void aValueOfTheWrongTypeIsAnError() {
        for (String json : WRONG_TYPES) {
            Exception e = assertThrows(Exception.class, () -> create(json), json);
            assertTrue(e instanceof GoDecode.TypeError, json + ": " + e);
        }
    }

    @Test
    void fieldsTheDaemonReadsButThePolicyDoesNotAreNotChecked() throws Exception {
        // the daemon fails this request itself; nothing the plugin decides rests on Memory
        assertTrue(readonly("{\"Memory\":\"lots\",\"HostConfig\":{\"ReadonlyRootfs\":true,\"Binds\":{}}}"));
    }

    private static final String[] NOT_ONE_OBJECT = {
        "",
        "   \n",
        "null",
        "[]",
        "\"x\"",
        "true",
        "1",
        "{",
        "{\"HostConfig\":{\"ReadonlyRootfs\":true}",
        "{\"HostConfig\":{\"ReadonlyRootfs\":true}}{\"HostConfig\":{}}",
        "{\"HostConfig\":{\"ReadonlyRootfs\":true}} x",
        "{\"a\":01}",
        "{\"a\":1,}",
        "{\"a\":[1,]}",
        "{'a':1}",
        "{a:1}",
        "{\"a\":tru}",
        "{\"a\":True}",
        "{\"a\":1.}",
        "{\"a\":-}",
        "{\"a\":.5}",
        "{\"a\":1e}",
        "{\"a\":\"\\x\"}",
        "{\"a\":\"\\u12\"}",
        "{\"a\":\"tab\there\"}",
        "\uFEFF{}",
        "{\"a\":1}\u0000",
        "/*c*/{}",
        "{\"a\" 1}",
        "{\"a\":1 \"b\":2}"
    };

    @Test
    void anythingButOneJsonObjectIsRefused() {
        for (String json : NOT_ONE_OBJECT) {
            Exception e = assertThrows(Exception.class, () -> create(json), json);
            assertTrue(e instanceof GoJson.SyntaxError, json + ": " + e);
        }
    }

    @Test
    void whitespaceAroundTheObjectIsFine() throws Exception {
        assertTrue(readonly(" \t\r\n{\"HostConfig\":{\"ReadonlyRootfs\":true}} \n"));
        assertTrue(readonly("{\"a\":-0.5e+3,\"b\":[1,2.0,-3E-2,{},[]],\"HostConfig\":{\"ReadonlyRootfs\":true}}"));
    }

    @Test
    void nestingIsBounded() {
        String deep = "[".repeat(5000) + "]".repeat(5000);
        GoJson.SyntaxError e = assertThrows(GoJson.SyntaxError.class, () -> create("{\"a\":" + deep + "}"));
        assertTrue(e.getMessage().contains("nested"), e.getMessage());
    }

    @Test
    void stringsDecodeAsGoDoes() throws Exception {
        // a valid surrogate pair is one character; a lone one, or a reversed pair, U+FFFD
        assertEquals("\uD83D\uDE00", create("{\"Image\":\"\\ud83d\\ude00\"}").image());
        assertEquals("\uFFFDx", create("{\"Image\":\"\\ud83dx\"}").image());
        assertEquals("\uFFFD\uFFFD", create("{\"Image\":\"\\ude00\\ud83d\"}").image());
        assertEquals("\uFFFDA", create("{\"Image\":\"\\ud83d\\u0041\"}").image());
        // each byte that is not valid UTF-8 is one U+FFFD, as utf8.DecodeRune
        byte[] bytes = {
            '{',
            '"',
            'I',
            'm',
            'a',
            'g',
            'e',
            '"',
            ':',
            '"',
            (byte) 0xE2,
            (byte) 0x82,
            'x',
            (byte) 0xC0,
            (byte) 0x80,
            (byte) 0xED,
            (byte) 0xA0,
            (byte) 0x80,
            (byte) 0xC3,
            (byte) 0xA9,
            '"',
            '}'
        };
        assertEquals(
                "\uFFFD\uFFFDx\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\u00E9",
                CreateBody.decode(bytes).image());
        byte[] truncated = {'{', '"', 'I', 'm', 'a', 'g', 'e', '"', ':', '"', (byte) 0xF0, (byte) 0x9F, '"', '}'};
        assertEquals("\uFFFD\uFFFD", CreateBody.decode(truncated).image());
    }

    @Test
    void labelsMergeAndNullValuesAreEmpty() throws Exception {
        assertEquals(
                Map.of("a", "1", "b", "2"),
                create("{\"Labels\":{\"a\":\"1\"},\"Labels\":{\"b\":\"2\"}}").labels());
        assertEquals(
                Map.of("b", "2"),
                create("{\"Labels\":{\"a\":\"1\"},\"Labels\":null,\"Labels\":{\"b\":\"2\"}}")
                        .labels());
        assertEquals(
                Map.of("a", ""), create("{\"Labels\":{\"a\":\"1\",\"a\":null}}").labels());
        // label keys are exact, not folded
        assertEquals(
                Map.of("a", "1", "A", "2"),
                create("{\"labels\":{\"a\":\"1\",\"A\":\"2\"}}").labels());
    }

    @Test
    void serviceSpecs() throws Exception {
        ServiceBody s = service("{\"Name\":\"web\",\"Labels\":{\"team\":\"a\"},\"TaskTemplate\":{\"ContainerSpec\":"
                + "{\"Image\":\"nginx\",\"ReadOnly\":true}}}");
        assertEquals("web", s.name());
        assertEquals(Map.of("team", "a"), s.labels());
        assertEquals("nginx", s.image());
        assertTrue(s.readOnly());
        assertFalse(service("{\"TaskTemplate\":{\"ContainerSpec\":{\"ReadOnly\":true,\"readonly\":false}}}")
                .readOnly());
        // TaskTemplate is a struct: null changes nothing; ContainerSpec a pointer: null removes it
        assertTrue(service("{\"TaskTemplate\":{\"ContainerSpec\":{\"ReadOnly\":true}},\"TaskTemplate\":null}")
                .readOnly());
        assertFalse(service("{\"TaskTemplate\":{\"ContainerSpec\":{\"ReadOnly\":true}},"
                        + "\"TaskTemplate\":{\"ContainerSpec\":null}}")
                .readOnly());
        assertTrue(service("{\"TaskTemplate\":{\"ContainerSpec\":{\"ReadOnly\":true}},"
                        + "\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":\"x\"}}}")
                .readOnly());
        assertFalse(service("{\"Name\":\"web\"}").readOnly());
        assertThrows(
                GoDecode.TypeError.class,
                () -> service("{\"TaskTemplate\":{\"ContainerSpec\":{\"ReadOnly\":\"true\"}}}"));
        assertThrows(GoDecode.TypeError.class, () -> service("{\"TaskTemplate\":[]}"));
        assertThrows(GoJson.SyntaxError.class, () -> service("[]"));
    }

    @Test
    void theDaemonsEnvelope() throws Exception {
        String body = java.util.Base64.getEncoder().encodeToString("{}".getBytes(StandardCharsets.UTF_8));
        AuthzRequest r = AuthzRequest.decode(("{\"User\":\"alice\",\"UserAuthNMethod\":\"TLS\",\"RequestMethod\":"
                        + "\"POST\",\"RequestUri\":\"/v1.41/containers/create\",\"RequestBody\":\"" + body
                        + "\",\"RequestHeaders\":{\"Content-Type\":\"application/json\"},"
                        + "\"RequestPeerCertificates\":[\"x\"]}")
                .getBytes(StandardCharsets.UTF_8));
        assertEquals("alice", r.user());
        assertEquals("TLS", r.userAuthNMethod());
        assertEquals("POST", r.method());
        assertEquals("/v1.41/containers/create", r.uri());
        assertEquals("{}", new String(r.body(), StandardCharsets.UTF_8));
        assertEquals("application/json", r.header("content-type").orElseThrow());
        AuthzRequest none =
                AuthzRequest.decode("{\"RequestMethod\":\"GET\",\"RequestUri\":\"/_ping\",\"RequestBody\":null}"
                        .getBytes(StandardCharsets.UTF_8));
        assertEquals(null, none.body());
        assertEquals("", none.user());
        assertThrows(
                GoJson.SyntaxError.class,
                () -> AuthzRequest.decode("{\"RequestBody\":\"%%%\"}".getBytes(StandardCharsets.UTF_8)));
        assertThrows(
                GoDecode.TypeError.class,
                () -> AuthzRequest.decode("{\"RequestUri\":5}".getBytes(StandardCharsets.UTF_8)));
    }
}
