package org.readonlyrootfs.exporter.docker;

import com.github.dockerjava.transport.DockerHttpClient;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;

/**
 * One subscription to {@code GET /events}, read by a thread of its own on a connection of its own
 * (a transport client of its own, never pooled). Connecting, sending the request and reading the
 * answer's head run under the call deadline, and count as one {@code events} request for the {@link
 * RequestListener}; the body, a stream of JSON objects that stays open for as long as the daemon runs,
 * has none.
 *
 * <p>The listener hears {@link EventListener#connected()} once the daemon answered 2xx, then one
 * {@link EventListener#event} per container event, then {@link EventListener#ended} exactly once: when
 * the daemon ends or breaks the stream, when it sends something other than event objects, or when the
 * handle is closed. No call follows {@code ended}. Closing closes the connection, so the reading
 * thread ends at once; it is called from any thread.
 */
final class EventStream implements AutoCloseable {
    /** Turns a failure into the one-line reason given to {@link EventListener#ended}. */
    interface Reasons {
        String failed(Throwable t);
    }

    private final EngineTransport.Stream client;
    private final String path;
    private final String what;
    private final EventListener listener;
    private final CallDeadline deadline;
    private final Reasons reasons;
    private final String endedReason;
    private final Consumer<EventStream> onEnd;
    private final RequestListener requests;
    private final Thread reader;
    private final Object state = new Object();
    private DockerHttpClient.Response connection; // guarded by state
    private boolean connecting = true; // guarded by state
    private boolean closed; // guarded by state
    private boolean ended; // guarded by the listener lock (this)

    /**
     * @param what        the request as error messages name it ({@code GET /events})
     * @param endedReason the reason when the daemon ends the stream itself
     * @param onEnd       runs once the stream has ended, for whatever reason
     * @param requests    told of the request (sent, and done once the answer's head is in or it failed)
     */
    EventStream(
            EngineTransport.Stream client,
            String path,
            String what,
            EventListener listener,
            CallDeadline deadline,
            Reasons reasons,
            String endedReason,
            Consumer<EventStream> onEnd,
            RequestListener requests) {
        this.client = client;
        this.path = path;
        this.what = what;
        this.listener = listener;
        this.deadline = deadline;
        this.reasons = reasons;
        this.endedReason = endedReason;
        this.onEnd = onEnd;
        this.requests = requests;
        this.reader = new Thread(this::run, "docker-events");
        this.reader.setDaemon(true);
    }

    void start() {
        reader.start();
    }

    private void run() {
        DockerHttpClient.Response answer;
        requests.requestSent("events");
        long started = System.nanoTime();
        boolean ok = false;
        try {
            answer = deadline.call(what, abort -> {
                abort.onDeadline(client::close); // on TCP, closes a connection the interrupt cannot
                return open();
            });
            ok = true;
        } catch (Exception e) {
            fail(e);
            return;
        } finally {
            requests.requestDone("events", System.nanoTime() - started, ok);
        }
        synchronized (state) {
            connecting = false;
            if (closed) {
                Thread.interrupted(); // close() may have interrupted the connect
                return;
            }
        }
        // the body is never closed by the reader (that would read on to the stream's end): closing the
        // connection ends it
        try (DockerJson.EventReader events = DockerJson.events(EngineTransport.unclosable(answer.getBody()))) {
            if (!deliver(null)) {
                return;
            }
            for (ContainerEvent e = events.next(); e != null; e = events.next()) {
                if (!deliver(e)) {
                    return;
                }
            }
            end(endedReason);
        } catch (IOException | RuntimeException e) {
            fail(e);
        }
    }

    /** Ends with the failure's reason, unless it is the consequence of close(), which ends it itself. */
    private void fail(Throwable e) {
        synchronized (state) {
            if (closed) {
                return;
            }
        }
        end(reasons.failed(e));
    }

    /** Connects, sends the request and reads the answer's head: the part under the deadline. */
    private DockerHttpClient.Response open() throws IOException {
        synchronized (state) {
            if (closed) {
                throw new IllegalStateException("closed");
            }
        }
        DockerHttpClient.Response answer = client.get(path);
        synchronized (state) {
            connection = answer;
            if (closed) {
                throw new IllegalStateException("closed");
            }
        }
        int status = answer.getStatusCode();
        if (status < 200 || status > 299) {
            String message;
            try (InputStream body = answer.getBody()) {
                message = DockerJson.errorMessage(body.readNBytes(4096));
            }
            abort();
            throw new DockerApiError(what + " failed with HTTP " + status + ": " + message, null);
        }
        return answer;
    }

    /** {@code connected()} (event null) or one event, unless the stream has ended. */
    private synchronized boolean deliver(ContainerEvent e) {
        if (ended) {
            return false;
        }
        if (e == null) {
            listener.connected();
        } else {
            listener.event(e);
        }
        return true;
    }

    private void end(String reason) {
        abort();
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
            listener.ended(reason);
        }
        onEnd.accept(this);
    }

    /** Closes the answer (which closes its connection at once) and the stream's client. */
    private void abort() {
        DockerHttpClient.Response c;
        synchronized (state) {
            c = connection;
            connection = null;
        }
        if (c != null) {
            try {
                c.close();
            } catch (RuntimeException e) {
                // closing anyway
            }
        }
        client.close();
    }

    @Override
    public void close() {
        boolean interrupt;
        synchronized (state) {
            closed = true;
            // before the connection exists (TCP connect, TLS handshake) only an interrupt stops the thread;
            // it is in none of the listener's code then
            interrupt = connecting && connection == null;
        }
        abort();
        if (interrupt) {
            reader.interrupt();
        }
        end("events stream closed");
    }
}
