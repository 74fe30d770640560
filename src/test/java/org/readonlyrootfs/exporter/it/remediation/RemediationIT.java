package org.readonlyrootfs.exporter.it.remediation;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.readonlyrootfs.exporter.Exporter;
import org.readonlyrootfs.exporter.testing.PrivateDockerd;
import org.readonlyrootfs.exporter.testing.Scrape;
import org.readonlyrootfs.exporter.testing.TestConfig;

/**
 * The proof corpus for remediation plans. Each workload is a static busybox image and an entry script
 * that performs its writes, checks each one (any failed write exits 1) and prints {@code ready}, then
 * sleeps (or exits 0). Each runs writable; once the exporter has observed it after {@code ready}, the
 * same image and command run again with exactly the plan's {@code docker_run_flags}, and must behave
 * as the original did (keep running, or exit 0) while the exporter reports them compliant.
 *
 * <p>Prints a table (workload, plan, re-run, flags) and the success rate per plan kind; asserts 100%
 * for every kind except {@code unknown}, the plan kind each workload must get, and reports every
 * failure together.
 */
class RemediationIT {
    static final String BASE = "rre-corpus:1";
    static final String WITH_VOLUME = "rre-corpus-volume:1";
    static final Duration SETTLE = Duration.ofSeconds(45);
    static final Duration PLANS = Duration.ofSeconds(45);
    static final Duration POLL = Duration.ofMillis(300);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How the original behaves once its writes are done. */
    enum Ending {
        RUNS,
        EXITS_0
    }

    /**
     * One workload: its container is {@code rc-<name>}, its re-run {@code rc-<name>-fixed}, its
     * command {@code sh /w/<name>.sh}.
     *
     * @param writes  the script's body: writes, each checked ({@code w FILE TEXT}, {@code md DIR}, {@code fail})
     * @param options {@code docker run} options of the original, kept in the re-run
     * @param started false for a container that is only created
     */
    record Workload(
            String name,
            String what,
            String image,
            List<String> options,
            String writes,
            Ending ending,
            String expectedPlan,
            boolean started) {
        Workload(
                String name,
                String what,
                String image,
                List<String> options,
                String writes,
                Ending ending,
                String expectedPlan) {
            this(name, what, image, options, writes, ending, expectedPlan, true);
        }

        String container() {
            return "rc-" + name;
        }

        String fixed() {
            return container() + "-fixed";
        }

        List<String> command() {
            return List.of("sh", "/w/" + name + ".sh");
        }

        String script() {
            String end = ending == Ending.RUNS ? "ready\n" : "echo ready\nexit 0\n";
            return ". /w/lib.sh\n" + writes + end;
        }
    }

    /** Files and directories every workload image has, and the scripts' helpers. */
    static final String IMAGE_SETUP = """
            set -e
            /bin/busybox --install -s /bin
            chmod 1777 /tmp
            mkdir -p /run/lock /run/app /var/cache /var/lib/db /var/lib/app /var/log/app /etc/app /usr/share/app \
            /home/app /opt/tools /data /w
            echo 'greeting=hello' > /etc/app/defaults.conf
            echo 'greeting=@GREETING@ from @HOST@' > /etc/app/app.conf.tmpl
            echo '# db v1' > /var/lib/db/data.db
            echo 'old' > /usr/share/app/old.txt
            echo 'keep' > /usr/share/app/keep.txt
            echo 'export APP_PROFILE=1' > /home/app/.profile
            echo '# state v1' > /var/lib/app/state.db
            echo 'seed' > /data/seed.txt
            chown -R 1000:1000 /home/app /run/app /var/lib/app /var/log/app
            echo 'app:x:1000:1000:app:/home/app:/bin/sh' >> /etc/passwd
            echo 'app:x:1000:' >> /etc/group
            mkdir -p /var/tmp && chown 1000:1000 /var/tmp && chmod 755 /var/tmp
            cat > /w/lib.sh <<'EOF'
            fail() { echo "FAIL: $*"; exit 1; }
            # w FILE TEXT: writes TEXT into FILE and reads it back
            w() { echo "$2" > "$1" || fail "cannot write $1"; grep -qxF "$2" "$1" || fail "cannot read back $1"; }
            md() { mkdir -p "$@" || fail "cannot mkdir $*"; }
            ready() { echo ready; exec sleep 100000; }
            EOF
            """;

    static final Workload NEVER_STARTED =
            new Workload("never", "created, never started", BASE, List.of(), "", Ending.RUNS, "not_observed", false);

    static final List<Workload> CORPUS = List.of(
            new Workload("nothing", "nothing written", BASE, List.of(), """
                    grep -q '^root:' /etc/passwd || fail "cannot read /etc/passwd"
                    """, Ending.RUNS, "no_writes"),
            new Workload("tmp", "/tmp only", BASE, List.of(), """
                    w /tmp/a.txt hello
                    md /tmp/work/x
                    w /tmp/work/x/b.txt b
                    """, Ending.RUNS, "tmpfs_only"),
            new Workload(
                    "pid",
                    "pid file under /run, lock in image dir /run/lock",
                    BASE,
                    List.of(),
                    """
                    w /run/app.pid $$
                    w /run/lock/app.lock $$
                    """,
                    Ending.RUNS,
                    "tmpfs_only"),
            new Workload(
                    "cache", "new cache directories under /var/cache", BASE, List.of(), """
                    md /var/cache/app/sub/deep /var/cache/app/index
                    w /var/cache/app/sub/deep/f 1
                    w /var/cache/app/index/i 2
                    """, Ending.RUNS, "tmpfs_only"),
            new Workload(
                    "render",
                    "config rendered (tmp + mv) into /etc/app, whose defaults.conf it reads",
                    BASE,
                    List.of(),
                    """
                    . /etc/app/defaults.conf || fail "cannot read /etc/app/defaults.conf"
                    test "$greeting" = hello || fail "no greeting in /etc/app/defaults.conf"
                    sed -e "s/@GREETING@/$greeting/" -e "s/@HOST@/$(hostname)/" /etc/app/app.conf.tmpl \
                    > /etc/app/app.conf.new || fail "cannot render /etc/app/app.conf.new"
                    mv /etc/app/app.conf.new /etc/app/app.conf || fail "cannot replace /etc/app/app.conf"
                    grep -q '^greeting=hello from ' /etc/app/app.conf || fail "bad /etc/app/app.conf"
                    """,
                    Ending.RUNS,
                    "needs_volume"),
            new Workload(
                    "db",
                    "appends to database file /var/lib/db/data.db",
                    BASE,
                    List.of(),
                    """
                    grep -qx '# db v1' /var/lib/db/data.db || fail "no header in /var/lib/db/data.db"
                    echo "row $$" >> /var/lib/db/data.db || fail "cannot append to /var/lib/db/data.db"
                    grep -qx "row $$" /var/lib/db/data.db || fail "row not in /var/lib/db/data.db"
                    """,
                    Ending.RUNS,
                    "needs_volume"),
            new Workload(
                    "delete",
                    "deletes image file /usr/share/app/old.txt, reads keep.txt",
                    BASE,
                    List.of(),
                    """
                    rm /usr/share/app/old.txt || fail "cannot delete /usr/share/app/old.txt"
                    test ! -e /usr/share/app/old.txt || fail "/usr/share/app/old.txt still there"
                    grep -qx keep /usr/share/app/keep.txt || fail "cannot read /usr/share/app/keep.txt"
                    """,
                    Ending.RUNS,
                    "needs_volume"),
            new Workload(
                    "home",
                    "root, writes under $HOME=/home/app (.config, .cache, a file)",
                    BASE,
                    List.of(),
                    """
                    test "$HOME" = /home/app || fail "HOME is [$HOME]"
                    . "$HOME/.profile" || fail "cannot read $HOME/.profile"
                    w "$HOME/.app_state" 1
                    md "$HOME/.config/app" "$HOME/.cache/app"
                    w "$HOME/.config/app/settings.ini" x=1
                    w "$HOME/.cache/app/blob" y
                    """,
                    Ending.RUNS,
                    "needs_volume"),
            new Workload(
                    "volume",
                    "writes only into declared image VOLUME /data",
                    WITH_VOLUME,
                    List.of(),
                    """
                    grep -qx seed /data/seed.txt || fail "no /data/seed.txt"
                    w /data/out.txt x
                    md /data/sub
                    w /data/sub/y y
                    """,
                    Ending.RUNS,
                    "no_writes"),
            new Workload(
                    "scratch",
                    "writes only into its --tmpfs /mnt/scratch (/mnt not in image)",
                    BASE,
                    List.of("--tmpfs", "/mnt/scratch"),
                    """
                    w /mnt/scratch/a x
                    md /mnt/scratch/d
                    w /mnt/scratch/d/b y
                    """,
                    Ending.RUNS,
                    "no_writes"),
            new Workload(
                    "many",
                    "10,000 small files in 100 new dirs under /var/cache",
                    BASE,
                    List.of(),
                    """
                    i=0
                    while [ $i -lt 100 ]; do
                      mkdir -p /var/cache/thumbs/d$i || fail "cannot mkdir /var/cache/thumbs/d$i"
                      j=0
                      while [ $j -lt 100 ]; do
                        echo $i.$j > /var/cache/thumbs/d$i/f$j || fail "cannot write /var/cache/thumbs/d$i/f$j"
                        j=$((j + 1))
                      done
                      i=$((i + 1))
                    done
                    n=$(ls /var/cache/thumbs/d*/ | grep -c '^f')
                    test "$n" = 10000 || fail "$n files in /var/cache/thumbs, not 10000"
                    """,
                    Ending.RUNS,
                    "tmpfs_only"),
            new Workload(
                    "exit", "writes /tmp and /run, then exits 0", BASE, List.of(), """
                    w /tmp/done x
                    w /run/exit.pid $$
                    """, Ending.EXITS_0, "tmpfs_only"),
            new Workload(
                    "user",
                    "--user 1000: pid in its image dir /run/app, data, logs, $HOME, /tmp",
                    BASE,
                    List.of("--user", "1000"),
                    """
                    test "$(id -u)" = 1000 || fail "uid is $(id -u)"
                    w /run/app/app.pid $$
                    grep -qx '# state v1' /var/lib/app/state.db || fail "no header in /var/lib/app/state.db"
                    echo "row $$" >> /var/lib/app/state.db || fail "cannot append to /var/lib/app/state.db"
                    md /var/lib/app/blobs /var/log/app/2026
                    w /var/lib/app/blobs/b1 1
                    w /var/log/app/app.log started
                    md "$HOME/.config/app"
                    w "$HOME/.config/app/settings.ini" x=1
                    w /tmp/u.txt u
                    """,
                    Ending.RUNS,
                    "needs_volume"),
            new Workload(
                    "named",
                    "--user app (a name, uid 1000): pid in its image dir /run/app, a log",
                    BASE,
                    List.of("--user", "app"),
                    """
                    test "$(id -u)" = 1000 || fail "uid is $(id -u)"
                    w /run/app/app.pid $$
                    md /var/log/app/2026
                    w /var/log/app/app.log started
                    """,
                    Ending.RUNS,
                    "needs_volume"),
            new Workload(
                    "vartmp",
                    "--user 1000, image /var/tmp owned by it with mode 755",
                    BASE,
                    List.of("--user", "1000"),
                    """
                    w /var/tmp/spill.1 x
                    """,
                    Ending.RUNS,
                    "tmpfs_only"),
            new Workload(
                    "passwd",
                    "entrypoint adds a user to /etc/passwd",
                    BASE,
                    List.of(),
                    """
                    echo 'svc:x:2000:2000:svc:/tmp:/bin/sh' >> /etc/passwd || fail "cannot add to /etc/passwd"
                    grep -q '^svc:' /etc/passwd || fail "svc not in /etc/passwd"
                    grep -q '^root:' /etc/passwd || fail "root not in /etc/passwd"
                    """,
                    Ending.RUNS,
                    "needs_volume"),
            new Workload(
                    "space",
                    "state dir with a space in its name, in image dir /opt/tools",
                    BASE,
                    List.of(),
                    """
                    md "/opt/tools/my state"
                    w "/opt/tools/my state/s" 1
                    """,
                    Ending.RUNS,
                    "needs_volume"),
            new Workload(
                    "rootfile",
                    "a lock file in / (no mount can go there)",
                    BASE,
                    List.of(),
                    """
                    w /app.lock $$
                    """,
                    Ending.RUNS,
                    "unknown"));

    /** What became of one container: its state when it settled, and whether and when it printed ready. */
    record Run(String container, String status, int exitCode, boolean ready, Instant readySeenAt, String logs) {
        static Run missing(String container) {
            return new Run(container, "missing", -1, false, null, "");
        }

        boolean settled(Ending ending) {
            return status.equals("exited")
                    || status.equals("dead")
                    || status.equals("missing")
                    || (ending == Ending.RUNS && ready && status.equals("running"));
        }

        boolean behaves(Ending ending) {
            return ready
                    && (ending == Ending.RUNS ? status.equals("running") : status.equals("exited") && exitCode == 0);
        }

        String describe() {
            String tail =
                    logs.lines().skip(Math.max(0, logs.lines().count() - 3)).collect(Collectors.joining(" | "));
            return status
                    + (status.equals("exited") ? " " + exitCode : "")
                    + (ready ? ", ready" : ", never ready")
                    + (tail.isEmpty() ? "" : ", logs: " + tail);
        }
    }

    /** One workload's result. */
    record Outcome(Workload workload, String plan, List<String> flags, boolean works, String detail) {}

    /** The corpus's results, and every problem found on the way. */
    record Report(List<Outcome> outcomes, List<String> problems) {}

    @Test
    void everyPlanLetsItsWorkloadRunReadOnly() throws Exception {
        try (PrivateDockerd dockerd = PrivateDockerd.start()) {
            buildImages(dockerd);
            try (Exporter exporter = Exporter.start(TestConfig.config(dockerd.host(), "--remediation.refresh=1s"))) {
                int port = exporter.port();
                Report report = run(dockerd, () -> findings(port));
                System.out.println(table(report.outcomes()));
                assertTrue(
                        report.problems().isEmpty(),
                        report.problems().size() + " problem(s):\n" + String.join("\n", report.problems()) + "\n"
                                + table(report.outcomes()));
            }
        }
    }

    static JsonNode findings(int port) {
        HttpResponse<String> r = Scrape.get(port, "/findings");
        if (r.statusCode() != 200) {
            throw new AssertionError("/findings answered " + r.statusCode() + ": " + r.body());
        }
        try {
            return JSON.readTree(r.body());
        } catch (JsonProcessingException e) {
            throw new AssertionError("/findings is not JSON: " + e.getMessage(), e);
        }
    }

    /** The workload images: {@value #BASE} and {@value #WITH_VOLUME} (the same, with {@code VOLUME /data}). */
    static void buildImages(PrivateDockerd dockerd) {
        StringBuilder setup = new StringBuilder(IMAGE_SETUP);
        for (Workload w :
                Stream.concat(CORPUS.stream(), Stream.of(NEVER_STARTED)).toList()) {
            setup.append("cat > /w/")
                    .append(w.name())
                    .append(".sh <<'EOF'\n")
                    .append(w.script())
                    .append("EOF\n");
        }
        String builder = "rc-image-setup";
        dockerd.docker("run", "--name", builder, "--network", "none", dockerd.image(), "sh", "-c", setup.toString());
        List<String> common = List.of("--change", "CMD [\"/bin/sleep\", \"100000\"]", "--change", "ENV HOME=/home/app");
        dockerd.docker(commit(common, List.of(), builder, BASE));
        dockerd.docker(commit(common, List.of("--change", "VOLUME [\"/data\"]"), builder, WITH_VOLUME));
        dockerd.docker("rm", builder);
    }

    private static String[] commit(List<String> common, List<String> extra, String container, String image) {
        return Stream.of(List.of("commit"), common, extra, List.of(container, image))
                .flatMap(List::stream)
                .toArray(String[]::new);
    }

    /**
     * Runs the corpus on {@code dockerd}, whose findings document ({@code GET /findings}) {@code findings}
     * returns: originals, plans, re-runs with the plans' flags, verdicts.
     */
    static Report run(PrivateDockerd dockerd, Supplier<JsonNode> findings) {
        List<String> problems = new ArrayList<>();
        List<Workload> all =
                Stream.concat(CORPUS.stream(), Stream.of(NEVER_STARTED)).toList();

        dockerd.docker(Stream.concat(
                        Stream.of(
                                "create",
                                "--name",
                                NEVER_STARTED.container(),
                                "--network",
                                "none",
                                NEVER_STARTED.image()),
                        NEVER_STARTED.command().stream())
                .toArray(String[]::new));
        Map<Workload, PrivateDockerd.Result> started =
                inParallel(CORPUS, w -> dockerd.tryDocker(runArgs(w.container(), w, List.of())));
        started.forEach((w, r) -> {
            if (!r.ok()) {
                problems.add(w.name() + ": docker run of the original failed: "
                        + r.stderr().trim());
            }
        });
        Map<String, Run> originals = awaitSettled(dockerd, endings(CORPUS, Workload::container));
        List<Workload> observable = new ArrayList<>(List.of(NEVER_STARTED));
        for (Workload w : CORPUS) {
            Run r = originals.get(w.container());
            if (r.behaves(w.ending())) {
                observable.add(w);
            } else {
                problems.add(
                        w.name() + ": the original (writable) does not behave as its script should: " + r.describe());
            }
        }

        Map<String, JsonNode> plans = awaitPlans(findings, observable, originals);
        Map<Workload, List<String>> flags = new LinkedHashMap<>();
        for (Workload w : observable) {
            JsonNode plan = plans.get(w.container());
            if (plan == null) {
                problems.add(w.name() + ": no plan observed after it was ready within " + PLANS);
                continue;
            }
            List<String> f = new ArrayList<>();
            plan.path("docker_run_flags").forEach(n -> f.add(n.asText()));
            if (f.isEmpty() || !f.get(0).equals("--read-only")) {
                problems.add(w.name() + ": docker_run_flags do not start with --read-only: " + f);
            }
            String kind = plan.path("plan").asText();
            if (!kind.equals(w.expectedPlan())) {
                problems.add(w.name() + ": plan " + kind + ", expected " + w.expectedPlan() + " (flags " + f + ")");
            }
            flags.put(w, f);
        }

        Map<Workload, PrivateDockerd.Result> rerun =
                inParallel(List.copyOf(flags.keySet()), w -> dockerd.tryDocker(runArgs(w.fixed(), w, flags.get(w))));
        List<Workload> rerunStarted = rerun.entrySet().stream()
                .filter(e -> e.getValue().ok())
                .map(Map.Entry::getKey)
                .toList();
        Map<String, Run> fixed = awaitSettled(dockerd, endings(rerunStarted, Workload::fixed));
        Map<String, String> verdicts = awaitCompliant(findings, rerunStarted);
        // still running (or exited 0) after the exporter's verdict, which came after each one's ready
        Map<String, Run> later =
                inspect(dockerd, rerunStarted.stream().map(Workload::fixed).toList());

        List<Outcome> outcomes = new ArrayList<>();
        for (Workload w : all) {
            JsonNode plan = plans.get(w.container());
            String kind = plan == null ? "(none)" : plan.path("plan").asText();
            List<String> f = flags.getOrDefault(w, List.of());
            String detail;
            boolean works = false;
            PrivateDockerd.Result r = rerun.get(w);
            if (r == null) {
                detail = "not re-run";
            } else if (!r.ok()) {
                detail = "docker run failed: " + r.stderr().trim();
            } else {
                Run run = fixed.get(w.fixed());
                Run now = later.getOrDefault(w.fixed(), Run.missing(w.fixed()));
                String verdict = verdicts.getOrDefault(w.fixed(), "(not reported)");
                Run finalRun = new Run(
                        now.container(), now.status(), now.exitCode(), run.ready(), run.readySeenAt(), run.logs());
                works = run.behaves(w.ending()) && finalRun.behaves(w.ending()) && verdict.equals("compliant");
                detail = finalRun.describe() + ", exporter: " + verdict;
            }
            outcomes.add(new Outcome(w, kind, f, works, detail));
            if (!works && r != null && !kind.equals("unknown")) {
                problems.add(w.name() + ": re-run with " + f + " does not behave as the original (" + w.ending() + "): "
                        + detail);
            }
        }
        return new Report(outcomes, problems);
    }

    private static Map<String, Ending> endings(List<Workload> workloads, Function<Workload, String> name) {
        Map<String, Ending> out = new LinkedHashMap<>();
        workloads.forEach(w -> out.put(name.apply(w), w.ending()));
        return out;
    }

    /** {@code docker run -d --name NAME --network none <original options> <flags> IMAGE COMMAND}. */
    private static String[] runArgs(String name, Workload w, List<String> flags) {
        return Stream.of(
                        List.of("run", "-d", "--name", name, "--network", "none"),
                        w.options(),
                        flags,
                        List.of(w.image()),
                        w.command())
                .flatMap(List::stream)
                .toArray(String[]::new);
    }

    /**
     * Waits until each container (name to how it should end) has printed ready and runs, or has exited, or
     * the time is up; returns what each one did.
     */
    static Map<String, Run> awaitSettled(PrivateDockerd dockerd, Map<String, Ending> containers) {
        Map<String, Run> runs = new TreeMap<>();
        Map<String, Instant> readyAt = new TreeMap<>();
        Map<String, String> logs = new TreeMap<>();
        List<String> names = List.copyOf(containers.keySet());
        if (names.isEmpty()) {
            return runs;
        }
        try {
            await().atMost(SETTLE).pollDelay(Duration.ZERO).pollInterval(POLL).until(() -> {
                Map<String, Run> now = inspect(dockerd, names);
                for (String name : names) {
                    if (!readyAt.containsKey(name)) {
                        PrivateDockerd.Result r = dockerd.tryDocker("logs", name);
                        String text = r.stdout() + r.stderr();
                        logs.put(name, text);
                        if (text.lines().anyMatch("ready"::equals)) {
                            readyAt.put(name, Instant.now());
                        }
                    }
                    Run s = now.get(name);
                    runs.put(
                            name,
                            new Run(
                                    name,
                                    s.status(),
                                    s.exitCode(),
                                    readyAt.containsKey(name),
                                    readyAt.get(name),
                                    logs.getOrDefault(name, "")));
                }
                return names.stream().allMatch(n -> runs.get(n).settled(containers.get(n)));
            });
        } catch (ConditionTimeoutException e) {
            // reported per workload by the caller
        }
        return runs;
    }

    /** Status and exit code of each container, one {@code docker inspect}; {@code missing} for those not found. */
    static Map<String, Run> inspect(PrivateDockerd dockerd, List<String> names) {
        Map<String, Run> out = new TreeMap<>();
        names.forEach(n -> out.put(n, Run.missing(n)));
        if (names.isEmpty()) {
            return out;
        }
        List<String> args = new ArrayList<>(List.of(
                "inspect", "--type", "container", "--format", "{{.Name}}|{{.State.Status}}|{{.State.ExitCode}}"));
        args.addAll(names);
        for (String line :
                dockerd.tryDocker(args.toArray(String[]::new)).stdout().lines().toList()) {
            String[] f = line.trim().split("\\|");
            if (f.length == 3) {
                String name = f[0].startsWith("/") ? f[0].substring(1) : f[0];
                out.put(name, new Run(name, f[1], Integer.parseInt(f[2]), false, null, ""));
            }
        }
        return out;
    }

    /**
     * Each workload's {@code remediation} object, once observed after the workload was ready ({@code
     * observed_at} at least the second after its ready was seen), or its {@code not_observed} plan for
     * one that never started.
     */
    static Map<String, JsonNode> awaitPlans(
            Supplier<JsonNode> findings, List<Workload> workloads, Map<String, Run> originals) {
        Map<String, JsonNode> plans = new TreeMap<>();
        Predicate<JsonNode> complete = doc -> {
            Map<String, JsonNode> byName = containers(doc);
            for (Workload w : workloads) {
                JsonNode c = byName.get(w.container());
                JsonNode rem = c == null ? null : c.get("remediation");
                if (rem == null || rem.isNull()) {
                    continue;
                }
                if (!w.started()) {
                    if (rem.path("plan").asText().equals("not_observed")) {
                        plans.put(w.container(), rem);
                    }
                    continue;
                }
                JsonNode at = rem.get("observed_at");
                Instant ready = originals.get(w.container()).readySeenAt();
                if (at != null
                        && at.isTextual()
                        && ready != null
                        && !Instant.parse(at.asText())
                                .isBefore(ready.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1))) {
                    plans.put(w.container(), rem);
                }
            }
            return plans.size() == workloads.size();
        };
        try {
            await().atMost(PLANS).pollDelay(Duration.ZERO).pollInterval(POLL).until(findings::get, complete);
        } catch (ConditionTimeoutException e) {
            // the missing ones are reported by the caller
        }
        return plans;
    }

    /** The exporter's status of each re-run container, once all are compliant (or the time is up). */
    static Map<String, String> awaitCompliant(Supplier<JsonNode> findings, List<Workload> workloads) {
        AtomicReference<Map<String, String>> last = new AtomicReference<>(Map.of());
        try {
            await().atMost(PLANS).pollDelay(Duration.ZERO).pollInterval(POLL).until(() -> {
                Map<String, JsonNode> byName = containers(findings.get());
                Map<String, String> status = new TreeMap<>();
                for (Workload w : workloads) {
                    JsonNode c = byName.get(w.fixed());
                    status.put(
                            w.fixed(),
                            c == null ? "(not reported)" : c.path("status").asText());
                }
                last.set(status);
                return status.values().stream().allMatch("compliant"::equals);
            });
        } catch (ConditionTimeoutException e) {
            // the others are reported by the caller
        }
        return last.get();
    }

    private static Map<String, JsonNode> containers(JsonNode doc) {
        Map<String, JsonNode> byName = new TreeMap<>();
        doc.path("containers").forEach(c -> byName.put(c.path("name").asText(), c));
        return byName;
    }

    /** {@code action} on each item, four at a time (the daemon does the work; the CLI calls just wait). */
    static <T, R> Map<T, R> inParallel(List<T> items, Function<T, R> action) {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            Map<T, CompletableFuture<R>> futures = new LinkedHashMap<>();
            for (T item : items) {
                futures.put(item, CompletableFuture.supplyAsync(() -> action.apply(item), pool));
            }
            Map<T, R> out = new LinkedHashMap<>();
            futures.forEach((item, f) -> out.put(item, f.join()));
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    /** The table of workloads and the success rate per plan kind. */
    static String table(List<Outcome> outcomes) {
        StringBuilder b = new StringBuilder("\nRemediation corpus: plan, re-run with its flags\n");
        b.append(String.format("%-9s %-13s %-6s %s%n", "workload", "plan", "works", "docker_run_flags"));
        for (Outcome o : outcomes) {
            b.append(String.format(
                    "%-9s %-13s %-6s %s%n",
                    o.workload().name(), o.plan(), o.works() ? "yes" : "NO", String.join(" ", o.flags())));
        }
        for (Outcome o : outcomes) {
            if (!o.works()) {
                b.append("  ")
                        .append(o.workload().name())
                        .append(" (")
                        .append(o.workload().what())
                        .append("): ")
                        .append(o.detail())
                        .append('\n');
            }
        }
        b.append("success rate per plan kind:\n");
        Map<String, List<Outcome>> byKind =
                outcomes.stream().collect(Collectors.groupingBy(Outcome::plan, TreeMap::new, Collectors.toList()));
        byKind.forEach((kind, list) -> {
            long ok = list.stream().filter(Outcome::works).count();
            b.append(String.format(
                    "  %-13s %d/%d %3d%%%s%n",
                    kind, ok, list.size(), 100 * ok / list.size(), kind.equals("unknown") ? " (not required)" : ""));
        });
        return b.toString();
    }
}
