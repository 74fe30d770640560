package org.readonlyrootfs.exporter.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parsed command line: an optional command word, {@code --key=value} / {@code --key value}
 * settings (a bare {@code --key} means {@code true}), {@code --config.file}, {@code --help},
 * {@code --version}. Which keys exist is the loader's business.
 *
 * @param command    the first word that is not a flag; empty for the default (serve)
 * @param settings   flag name (without dashes) to raw value, in command-line order
 * @param configFile value of {@code --config.file}; empty if not given
 * @param help       {@code --help} or {@code -h} was given
 * @param version    {@code --version} was given
 * @param problems   what could not be parsed, one line each
 */
public record CommandLine(
        String command,
        Map<String, String> settings,
        String configFile,
        boolean help,
        boolean version,
        List<String> problems) {

    public static final String CONFIG_FILE_FLAG = "config.file";

    public static CommandLine parse(String... args) {
        String command = "";
        Map<String, String> settings = new LinkedHashMap<>();
        String configFile = "";
        boolean help = false;
        boolean version = false;
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                help = true;
            } else if (arg.equals("--version")) {
                version = true;
            } else if (arg.startsWith("--") && arg.length() > 2) {
                String body = arg.substring(2);
                String name;
                String value;
                int eq = body.indexOf('=');
                if (eq >= 0) {
                    name = body.substring(0, eq);
                    value = body.substring(eq + 1);
                } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                    name = body;
                    value = args[++i];
                } else {
                    name = body;
                    value = "true";
                }
                if (name.equals(CONFIG_FILE_FLAG)) {
                    configFile = value;
                } else if (settings.containsKey(name)) {
                    problems.add(
                            "flag --" + name + " is given twice, got [" + settings.get(name) + "] and [" + value + "]");
                } else {
                    settings.put(name, value);
                }
            } else if (arg.startsWith("-")) {
                problems.add("unknown flag [" + arg + "]: flags are --key=value, see --help");
            } else if (command.isEmpty()) {
                command = arg;
            } else {
                problems.add("unexpected argument [" + arg + "] after command [" + command + "]");
            }
        }
        return new CommandLine(command, settings, configFile, help, version, problems);
    }
}
