package org.readonlyrootfs.exporter.hints;

import static org.readonlyrootfs.exporter.evidence.Remediations.shell;

import java.util.List;

/**
 * The fix the exporter knows for one image on this node: the remediation plan of a writable container of
 * that image, in the words a refusal can quote.
 *
 * @param image         the image as the container names it
 * @param plan          the plan's kind ({@code no_writes}, {@code tmpfs_only}, {@code needs_volume})
 * @param container     the container the plan was derived from
 * @param dockerRun     the arguments to add to {@code docker run} / {@code docker create}, {@code --read-only} first
 * @param service       the swarm service the container is a task of; empty if none
 * @param serviceUpdate the arguments to add to {@code docker service update}; empty if not a swarm task
 */
public record FixHint(
        String image,
        String plan,
        String container,
        List<String> dockerRun,
        String service,
        List<String> serviceUpdate) {

    /** A hint longer than this is cut (with …): a refusal stays readable, and bounded. */
    static final int MAX_MESSAGE = 1500;

    public FixHint {
        dockerRun = List.copyOf(dockerRun);
        serviceUpdate = List.copyOf(serviceUpdate);
    }

    /**
     * What a refusal quotes after "the exporter's plan for a container of this image on this node:", on one
     * line: {@code tmpfs_only (from container web-1): docker run --read-only --tmpfs /run … nginx:1.25 [; as swarm
     * service shop_web: docker service update --read-only … shop_web]}. Control characters are left out;
     * at most {@link #MAX_MESSAGE} characters.
     */
    public String message() {
        StringBuilder b = new StringBuilder()
                .append(plan)
                .append(" (from container ")
                .append(container)
                .append("): docker run ")
                .append(shell(dockerRun))
                .append(" … ")
                .append(shell(List.of(image)));
        if (!service.isEmpty() && !serviceUpdate.isEmpty()) {
            b.append("; as swarm service ")
                    .append(service)
                    .append(": docker service update ")
                    .append(shell(serviceUpdate))
                    .append(' ')
                    .append(shell(List.of(service)));
        }
        String line = b.toString().replaceAll("\\p{Cntrl}", "");
        return line.length() <= MAX_MESSAGE ? line : line.substring(0, MAX_MESSAGE - 1) + "…";
    }
}
