package org.readonlyrootfs.exporter;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.readonlyrootfs.exporter.authz.FixHints;
import org.readonlyrootfs.exporter.config.AuthzConfig;
import org.readonlyrootfs.exporter.config.CommandLine;
import org.readonlyrootfs.exporter.config.ConfigLoader;
import org.readonlyrootfs.exporter.config.ExporterConfig;
import org.readonlyrootfs.exporter.config.InvalidConfigException;
import org.readonlyrootfs.exporter.config.Setting;
import org.readonlyrootfs.exporter.docker.RequestPathWarmup;
import org.readonlyrootfs.exporter.product.BuildInfo;
import org.readonlyrootfs.exporter.product.Prose;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point: parses, validates, wires. {@code serve} (the default): exit status 2 on bad
 * configuration, 1 if it cannot start. {@code check}: see {@link CheckCommand}.
 */
public final class Main {
    static final String NAME = BuildInfo.NAME;

    private Main() {}

    public static void main(String[] args) {
        RequestPathWarmup.start(); // on the other core, while the configuration is read
        int status = run(args, System.getenv(), System.out, System.err);
        if (status >= 0) {
            System.exit(status);
        }
        try {
            new CountDownLatch(1).await(); // serve until the JVM is stopped; the shutdown hook closes
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Runs the command line. Returns the exit status, or -1 when the exporter is serving (it then runs
     * until the JVM is stopped).
     */
    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        CommandLine cli = CommandLine.parse(args);
        ConfigLoader loader = new ConfigLoader(env);
        if (cli.help()) {
            out.print(usage(loader, cli.command().equals(AuthzCommand.COMMAND)));
            return 0;
        }
        if (cli.version()) {
            out.println(NAME + " " + BuildInfo.version() + " (java " + BuildInfo.javaVersion() + ")");
            return 0;
        }
        boolean check = cli.command().equals(CheckCommand.COMMAND);
        boolean authz = cli.command().equals(AuthzCommand.COMMAND);
        Map<String, String> outputs = new LinkedHashMap<>();
        Map<String, String> settings = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>(cli.problems());
        if (!cli.command().isEmpty() && !cli.command().equals("serve") && !check && !authz) {
            problems.add("unknown command [" + cli.command() + "]: the commands are serve (the default), check and"
                    + " authz, see --help");
        }
        cli.settings().forEach((key, value) -> {
            if (!CheckCommand.OUTPUT_FLAGS.contains(key)) {
                settings.put(key, value);
            } else if (!check) {
                problems.add("flag --" + key + " only applies to the check command");
            } else if (value.isEmpty() || value.equals("true")) {
                problems.add("flag --" + key + " must be a file name, got [" + value + "]");
            } else {
                outputs.put(key, value);
            }
        });
        if (authz) {
            CommandLine authzLine =
                    new CommandLine(cli.command(), settings, cli.configFile(), cli.help(), cli.version(), problems);
            return runAuthz(loader, authzLine, err);
        }
        ExporterConfig config;
        // kept for reloads: the same flags and environment, over the files read again
        CommandLine serveLine =
                new CommandLine(cli.command(), settings, cli.configFile(), cli.help(), cli.version(), problems);
        try {
            config = loader.load(serveLine);
        } catch (InvalidConfigException e) {
            return printProblems(e, err);
        }
        if (check) {
            // a cron job's mail should hold the verdicts and real trouble, not the progress of the scan
            if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
                System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
            }
            return CheckCommand.run(config, outputs, out, err);
        }
        Exporter exporter;
        try {
            exporter = Exporter.start(config, Clock.systemUTC(), () -> loader.load(serveLine));
        } catch (IOException | RuntimeException e) {
            err.println(NAME + ": error: cannot listen on " + config.web().host() + ":"
                    + config.web().port() + ": " + e.getMessage());
            return 1;
        }
        Logger log = LoggerFactory.getLogger(Main.class);
        var security = config.web().security();
        log.info(
                "{} {} listening on {}://{}:{}{}{}, auditing {} every {}",
                NAME,
                BuildInfo.version(),
                security.tls().isPresent() ? "https" : "http",
                config.web().host(),
                exporter.port(),
                config.web().telemetryPath(),
                security.basicAuthUsers().isEmpty()
                        ? ""
                        : " with basic auth ("
                                + Prose.count(security.basicAuthUsers().size(), "user") + ")",
                config.docker().host(),
                config.scanInterval().toString().substring(2).toLowerCase(java.util.Locale.ROOT));
        Runtime.getRuntime().addShutdownHook(new Thread(exporter::close, "shutdown"));
        Sighup.install(exporter::reload);
        return -1;
    }

    /** One line per problem; the exit status of bad configuration (2). */
    private static int printProblems(InvalidConfigException e, PrintStream err) {
        for (String problem : e.problems()) {
            err.println(NAME + ": error: " + problem);
        }
        return 2;
    }

    /** {@code authz}: serves until the JVM is stopped (-1), or 2 on bad configuration, 1 if it cannot start. */
    private static int runAuthz(ConfigLoader loader, CommandLine line, PrintStream err) {
        AuthzConfig config;
        try {
            config = loader.loadAuthz(line);
        } catch (InvalidConfigException e) {
            return printProblems(e, err);
        }
        AuthzCommand command;
        try {
            command = AuthzCommand.start(config, () -> loader.loadAuthz(line), FixHints.NONE, Clock.systemUTC());
        } catch (IOException | RuntimeException e) {
            err.println(NAME + ": error: cannot serve the authorization plugin on " + config.socket() + " and "
                    + config.common().web().host() + ":" + config.common().web().port() + ": " + e.getMessage());
            return 1;
        }
        var security = config.common().web().security();
        LoggerFactory.getLogger(Main.class)
                .info(
                        "{} {} authz: authorization plugin {} in {} mode on unix://{}, metrics on {}://{}:{}{}",
                        NAME,
                        BuildInfo.version(),
                        config.pluginName(),
                        config.mode().label(),
                        config.socket(),
                        security.tls().isPresent() ? "https" : "http",
                        config.common().web().host(),
                        command.webPort(),
                        config.common().web().telemetryPath());
        Runtime.getRuntime().addShutdownHook(new Thread(command::close, "shutdown"));
        Sighup.install(command::reload);
        return -1;
    }

    static String usage(ConfigLoader loader) {
        return usage(loader, false);
    }

    static String usage(ConfigLoader loader, boolean authz) {
        StringBuilder b = new StringBuilder();
        b.append("Usage: java -jar ")
                .append(NAME)
                .append(".jar [serve] [--key=value ...]\n")
                .append("       java -jar ")
                .append(NAME)
                .append(".jar check [--output.json=FILE] [--output.cklb=FILE]")
                .append(" [--output.ckl=FILE] [--key=value ...]\n")
                .append("       java -jar ")
                .append(NAME)
                .append(".jar authz [--authz.mode=audit|enforce] [--authz.socket=PATH] [--key=value ...]\n\n")
                .append("Prometheus exporter auditing every Docker container for DISA STIG V-260936:\n")
                .append("a container's root filesystem must be read-only.\n\n")
                .append("Commands:\n")
                .append("  serve   (the default) serve /metrics, /findings and the checklists, scanning continuously\n")
                .append("  check   scan once, print one line per container (as the STIG command, plus the verdict),\n")
                .append("          optionally write the evidence (--output.json, --output.cklb, --output.ckl);\n")
                .append("          exit 0 if there is no finding, 1 if there are findings, 2 on error\n")
                .append(
                        "  authz   serve Docker's authorization plugin on authz.socket: refuse (enforce) or count (audit)\n")
                .append("          containers and services with a writable root filesystem before they exist;\n")
                .append("          its own /metrics on web.listen-address (default ")
                .append(loader.authzDefault("web.listen-address").orElse(""))
                .append(" for authz)\n\n")
                .append("Flags:\n")
                .append("  --help, -h          this text\n")
                .append("  --version           print the version\n")
                .append("  --config.file=FILE  HOCON file with settings under ")
                .append(ConfigLoader.NAMESPACE)
                .append(" { ... } (env ")
                .append(ConfigLoader.CONFIG_FILE_ENV)
                .append(")\n");
        for (Setting s : loader.settings()) {
            if (s.fileOnly()) {
                b.append("  ")
                        .append(s.key())
                        .append(" = ")
                        .append(s.defaultValue())
                        .append(" (config file only)\n")
                        .append("      ")
                        .append(s.description())
                        .append("\n");
                continue;
            }
            b.append("  --")
                    .append(s.key())
                    .append("=")
                    .append(authz ? loader.authzDefault(s.key()).orElse(s.defaultValue()) : s.defaultValue())
                    .append("\n")
                    .append("      ")
                    .append(s.description())
                    .append("\n")
                    .append("      env ")
                    .append(s.envVar());
            if (!s.alias().isEmpty()) {
                b.append(" or ").append(s.alias());
            }
            b.append("\n");
        }
        return b.toString();
    }
}
