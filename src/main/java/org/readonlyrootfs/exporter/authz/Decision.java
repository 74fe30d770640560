package org.readonlyrootfs.exporter.authz;

import java.util.Objects;

/**
 * The plugin's answer to one request.
 *
 * @param action  what the request does
 * @param outcome what the policy decided
 * @param message the {@code Msg} for the daemon (shown to the client on a refusal); empty when allowed
 * @param who     the client: {@code User} (TLS common name) if known; empty if not
 * @param what    what it is about, e.g. {@code container "web" (image nginx:1.27)}; empty for {@code other}
 * @param why     the reason in a few words, for the log; empty when nothing is worth logging
 */
public record Decision(Action action, Outcome outcome, String message, String who, String what, String why) {
    public Decision {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(outcome, "outcome");
        message = message == null ? "" : message;
        who = who == null ? "" : who;
        what = what == null ? "" : what;
        why = why == null ? "" : why;
    }

    /** The fast path's answer, one shared instance: nothing to judge. */
    public static final Decision OTHER_ALLOWED = new Decision(Action.OTHER, Outcome.ALLOWED, "", "", "", "");

    /** Whether the daemon may go on: every outcome but {@link Outcome#REFUSED}. */
    public boolean allow() {
        return outcome != Outcome.REFUSED;
    }

    /** Whether it deserves a log line: refusals and what enforce mode would refuse. */
    public boolean logged() {
        return outcome == Outcome.REFUSED || outcome == Outcome.WOULD_REFUSE;
    }

    /** One line: decision, action, who, what, why. */
    public String logLine() {
        return outcome.label() + " " + action.label() + " by " + (who.isEmpty() ? "(no TLS user)" : "[" + who + "]")
                + (what.isEmpty() ? "" : ": " + what) + (why.isEmpty() ? "" : ": " + why);
    }
}
