package io.jbouncer.core.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StateTablesTest {

    @Test
    void aServerIsNeverHandedOutWithoutLeavingThePoolFirst() {
        Set<ServerState> intoActive = EnumSet.noneOf(ServerState.class);
        for (ServerState from : ServerState.values()) {
            if (from.canMoveTo(ServerState.SV_ACTIVE)) {
                intoActive.add(from);
            }
        }
        // Only an idle (or used) server is linked: a server being cancelled, tested or logging in never is.
        assertEquals(EnumSet.of(ServerState.SV_IDLE, ServerState.SV_USED), intoActive);
    }

    @Test
    void aServerBeingCancelledGoesBackOnlyThroughThePoolOrTheReset() {
        assertFalse(ServerState.SV_BEING_CANCELED.canMoveTo(ServerState.SV_ACTIVE));
        assertTrue(ServerState.SV_BEING_CANCELED.canMoveTo(ServerState.SV_IDLE));
        assertTrue(ServerState.SV_BEING_CANCELED.canMoveTo(ServerState.SV_TESTED));
    }

    @Test
    void everyLiveStateCanCloseAndTheEndIsFinal() {
        for (ServerState state : ServerState.values()) {
            if (state != ServerState.SV_JUSTFREE && state != ServerState.SV_ACTIVE_CANCEL) {
                assertTrue(state.canMoveTo(ServerState.SV_JUSTFREE), state.name());
            }
            assertFalse(ServerState.SV_JUSTFREE.canMoveTo(state));
        }
        for (ClientState state : ClientState.values()) {
            if (state != ClientState.CL_JUSTFREE) {
                assertTrue(state.canMoveTo(ClientState.CL_JUSTFREE), state.name());
            }
            assertFalse(ClientState.CL_JUSTFREE.canMoveTo(state));
        }
    }

    @Test
    void aCancelRequestNeverBecomesAQueryClient() {
        for (ClientState cancel : EnumSet.of(ClientState.CL_WAITING_CANCEL, ClientState.CL_ACTIVE_CANCEL)) {
            for (ClientState to : EnumSet.of(ClientState.CL_ACTIVE, ClientState.CL_WAITING, ClientState.CL_LOGIN)) {
                assertFalse(cancel.canMoveTo(to), cancel + " -> " + to);
            }
        }
        assertFalse(ClientState.CL_ACTIVE.canMoveTo(ClientState.CL_WAITING_CANCEL));
    }

    @Test
    void showServersUsesPgBouncersStateWords() {
        assertEquals("new", ServerState.SV_LOGIN.showName());
        assertEquals("used", ServerState.SV_USED.showName());
        assertEquals("being_canceled", ServerState.SV_BEING_CANCELED.showName());
        assertEquals("active_cancel", ServerState.SV_ACTIVE_CANCEL.showName());
    }

    @Test
    void countsFollowMovesAndForgetClosedConnections() {
        StateCounts<ServerState> counts = new StateCounts<>(ServerState.class, ServerState.SV_JUSTFREE);
        counts.enter(ServerState.SV_FREE);
        counts.enter(ServerState.SV_FREE);
        counts.moved(ServerState.SV_FREE, ServerState.SV_LOGIN);
        counts.moved(ServerState.SV_LOGIN, ServerState.SV_IDLE);
        counts.moved(ServerState.SV_FREE, ServerState.SV_JUSTFREE);
        assertEquals(1, counts.get(ServerState.SV_IDLE));
        assertEquals(0, counts.get(ServerState.SV_FREE));
        assertEquals(0, counts.get(ServerState.SV_JUSTFREE));
        assertEquals(1, counts.live());
    }
}
