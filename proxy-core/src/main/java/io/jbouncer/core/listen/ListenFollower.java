package io.jbouncer.core.listen;

import io.jbouncer.core.server.Link;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * A client connection's side of its LISTEN statements once it has sent its first LISTEN (docs/architecture.md,
 * "LISTEN in transaction mode"): every message it forwards from then on passes {@link #beforeForward}, and what its
 * servers' loops ask of it (the LISTEN callbacks of {@code ClientPeer}) is answered from its {@link ClientListens}.
 * {@code ClientConnection} and the client of {@code FirstListenTest} both go through this class, so that test's race
 * checks the order production uses, not a copy of it.
 *
 * <p><b>Created at the first LISTEN</b> ({@link #firstListen}), as its {@link ClientListens} is (see there): until
 * then the client keeps a {@code null} where this goes, so a client that never LISTENs pays no object for it, and
 * a transaction pays one null check.
 */
public final class ListenFollower {

    /** Final: whoever reads the published follower sees its state, as the proof in ClientListens needs. */
    private final ClientListens listens;

    /** The follower of {@code client}, subscribing through {@code listener}; see {@link ClientListens}. */
    public ListenFollower(ClientListens.Client client, PoolListener listener, int queueLimit) {
        this.listens = new ClientListens(client, listener, queueLimit);
    }

    /**
     * Client loop, once: the client's first LISTEN (a message {@link ClientListens#startsListening}, whole in
     * {@code buffer} from its reader index) is about to go to {@code link}. The LISTEN state starts in the order
     * {@link ClientListens#start} proves: {@code publish} makes this follower the client's (where the server loop
     * reads it as soon as the link is marked watched) before the link counts the message; then the message is
     * accounted as by {@link #beforeForward}. Returns {@code false} when the link was released meanwhile: nothing is
     * forwarded, this stays published, and the client's next link is watched from its start.
     */
    public boolean firstListen(Link link, byte tag, int length, ByteBuf buffer, long now,
            Consumer<ListenFollower> publish) {
        if (!listens.start(link, tag, now, started -> publish.accept(this))) {
            return false;
        }
        forwarding(link, tag, length, buffer);
        return true;
    }

    /**
     * Client loop, for every later message about to go to {@code link} (whole in {@code buffer} from its reader index
     * when it {@link ClientListens#readsWhole}): accounts for it on the link ({@link Link#beforeForward}, a request
     * cycle it begins starts at {@code now}) and in the LISTEN state. Returns {@code false} when the link was released
     * meanwhile (nothing is forwarded then).
     */
    public boolean beforeForward(Link link, byte tag, int length, ByteBuf buffer, long now) {
        if (!link.beforeForward(tag, now)) {
            return false;
        }
        forwarding(link, tag, length, buffer);
        return true;
    }

    private void forwarding(Link link, byte tag, int length, ByteBuf buffer) {
        if (listens.forwarding(tag, length, buffer)) {
            link.server().listenedOn(); // it must forget its own LISTENs before it serves another client
        }
    }

    /** {@code ClientPeer.watchesReply}: whether the server's CommandComplete and ErrorResponse must be shown. */
    public boolean watchesReply() {
        return listens.watching();
    }

    /** {@code ClientPeer.serverReplied}, server loop. */
    public void serverReplied(byte tag, ByteBuf message) {
        listens.serverReplied(tag, message);
    }

    /** {@code ClientPeer.readyForQuery}, server loop: what the ReadyForQuery waits for, or {@code null}. */
    public CompletionStage<?> readyForQuery(byte status) {
        return listens.readyForQuery(status);
    }

    /** {@code ClientPeer.released}: the ReadyForQuery that ended the client's transaction has been written. */
    public void released() {
        listens.serverReleased();
    }

    /** The client's LISTEN state: its channels, its held requests, its end. */
    public ClientListens listens() {
        return listens;
    }
}
