package org.readonlyrootfs.exporter.benchmark;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.readonlyrootfs.exporter.authz.AuthzMode;
import org.readonlyrootfs.exporter.authz.AuthzPolicy;
import org.readonlyrootfs.exporter.authz.FixHints;
import org.readonlyrootfs.exporter.authz.PluginProtocol;
import org.readonlyrootfs.exporter.compliance.CompliancePolicy;
import org.readonlyrootfs.exporter.plugin.PluginServer;

/**
 * The plugin's time to decide, without the daemon: {@code AuthZReq} bodies as the daemon sends them (a
 * {@code GET /containers/json}, a read-only and a writable create, a service update), decided in process
 * ({@link PluginProtocol#handle}) and through the Unix socket on one kept-alive connection, as the daemon
 * calls it. Prints p50, p99 and max per request kind, after a warm-up. Run from the test classpath:
 * {@code java -cp target/test-classes:target/classes:$(deps) ...AuthzDecisionBenchmark [N]}.
 */
public final class AuthzDecisionBenchmark {
    private AuthzDecisionBenchmark() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        PluginProtocol protocol = new PluginProtocol(
                () -> new AuthzPolicy(CompliancePolicy.defaults(), AuthzMode.ENFORCE, "readonly-rootfs", FixHints.NONE),
                Clock.systemUTC());
        Map<String, byte[]> kinds = new LinkedHashMap<>();
        kinds.put("GET /containers/json", envelope("GET", "/v1.41/containers/json?all=1", null));
        kinds.put("create read-only", envelope("POST", "/v1.41/containers/create?name=web", createBody(true)));
        kinds.put("create writable", envelope("POST", "/v1.41/containers/create?name=web", createBody(false)));
        kinds.put(
                "service update",
                envelope(
                        "POST",
                        "/v1.41/services/abc/update?version=7",
                        "{\"Name\":\"web\",\"Labels\":{\"team\":\"a\"},\"TaskTemplate\":{\"ContainerSpec\":"
                                + "{\"Image\":\"nginx:1.27\",\"ReadOnly\":true}},\"Mode\":{\"Replicated\":"
                                + "{\"Replicas\":3}}}"));
        System.out.printf("%-22s %-10s %10s %10s %10s%n", "request", "path", "p50 µs", "p99 µs", "max µs");
        for (Map.Entry<String, byte[]> k : kinds.entrySet()) {
            long[] t = new long[n];
            for (int i = 0; i < n; i++) { // warm-up
                protocol.handle("POST", PluginProtocol.AUTHZ_REQ, k.getValue());
            }
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                protocol.handle("POST", PluginProtocol.AUTHZ_REQ, k.getValue());
                t[i] = System.nanoTime() - t0;
            }
            print(k.getKey(), "in process", t);
        }
        Path dir = Files.createTempDirectory("rre-authz-bench-");
        Path socket = dir.resolve("plugin.sock");
        try (PluginServer server = PluginServer.start(socket, protocol::handle, PluginServer.Limits.DEFAULT);
                SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            InputStream in = new java.io.BufferedInputStream(Channels.newInputStream(c));
            OutputStream out = Channels.newOutputStream(c);
            for (Map.Entry<String, byte[]> k : kinds.entrySet()) {
                byte[] request = http(k.getValue());
                long[] t = new long[n];
                for (int i = 0; i < 2 * n; i++) {
                    long t0 = System.nanoTime();
                    out.write(request);
                    out.flush();
                    readResponse(in);
                    if (i >= n) {
                        t[i - n] = System.nanoTime() - t0;
                    }
                }
                print(k.getKey(), "socket", t);
            }
        } finally {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
    }

    private static String createBody(boolean readonly) {
        return "{\"Hostname\":\"\",\"Domainname\":\"\",\"User\":\"\",\"AttachStdin\":false,\"AttachStdout\":true,"
                + "\"AttachStderr\":true,\"Tty\":false,\"OpenStdin\":false,\"StdinOnce\":false,\"Env\":null,"
                + "\"Cmd\":[\"/bin/busybox\",\"true\"],\"Image\":\"busybox:1\",\"Volumes\":{},\"WorkingDir\":\"\","
                + "\"Entrypoint\":null,\"OnBuild\":null,\"Labels\":{\"team\":\"a\"},\"HostConfig\":{\"Binds\":null,"
                + "\"ContainerIDFile\":\"\",\"LogConfig\":{\"Type\":\"\",\"Config\":{}},\"NetworkMode\":\"default\","
                + "\"PortBindings\":{},\"RestartPolicy\":{\"Name\":\"no\",\"MaximumRetryCount\":0},"
                + "\"AutoRemove\":false,\"VolumeDriver\":\"\",\"VolumesFrom\":null,\"CapAdd\":null,\"CapDrop\":null,"
                + "\"Dns\":[],\"DnsOptions\":[],\"DnsSearch\":[],\"ExtraHosts\":null,\"GroupAdd\":null,"
                + "\"IpcMode\":\"\",\"Cgroup\":\"\",\"Links\":null,\"OomScoreAdj\":0,\"PidMode\":\"\","
                + "\"Privileged\":false,\"PublishAllPorts\":false,\"ReadonlyRootfs\":" + readonly + ","
                + "\"SecurityOpt\":null,\"Tmpfs\":{\"/run\":\"\",\"/tmp\":\"\"},\"UTSMode\":\"\",\"UsernsMode\":\"\","
                + "\"ShmSize\":0,\"ConsoleSize\":[0,0],\"Isolation\":\"\",\"CpuShares\":0,\"Memory\":0},"
                + "\"NetworkingConfig\":{\"EndpointsConfig\":{}}}";
    }

    private static byte[] envelope(String method, String uri, String body) {
        return ("{\"User\":\"\",\"UserAuthNMethod\":\"\",\"RequestMethod\":\"" + method + "\",\"RequestUri\":\"" + uri
                        + "\""
                        + (body == null
                                ? ""
                                : ",\"RequestBody\":\""
                                        + Base64.getEncoder().encodeToString(body.getBytes(StandardCharsets.UTF_8))
                                        + "\"")
                        + ",\"RequestHeaders\":{\"Content-Type\":\"application/json\",\"User-Agent\":"
                        + "\"Docker-Client/20.10.24 (linux)\"}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] http(byte[] body) {
        byte[] head = ("POST " + PluginProtocol.AUTHZ_REQ + " HTTP/1.1\r\nHost: plugin\r\nAccept: "
                        + PluginProtocol.CONTENT_TYPE + "\r\nContent-Type: application/json\r\nContent-Length: "
                        + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] all = Arrays.copyOf(head, head.length + body.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        return all;
    }

    private static void readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed");
            }
            head.append((char) b);
        }
        int i = head.indexOf("Content-Length: ");
        int length = Integer.parseInt(head.substring(i + 16, head.indexOf("\r\n", i)));
        in.readNBytes(length);
    }

    private static void print(String kind, String path, long[] nanos) {
        long[] t = nanos.clone();
        Arrays.sort(t);
        System.out.printf(
                "%-22s %-10s %10.1f %10.1f %10.1f%n",
                kind, path, t[t.length / 2] / 1e3, t[(int) (t.length * 0.99)] / 1e3, t[t.length - 1] / 1e3);
    }
}
