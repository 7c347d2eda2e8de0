package io.jbouncer.core.session;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The session settings one server connection has from the clients it served ({@code track_session_settings}):
 * the committed settings of its last client. On each assignment {@link #changeTo} writes what makes them the new
 * client's, so no client ever inherits another's {@code search_path} or role.
 *
 * <p><b>Threading.</b> Written by the server loop while linked ({@link #now}, {@link #afterReset}) and by the
 * client loop at assignment, when the server answers no one; the field is volatile for the hand-over between them.
 */
public final class AppliedSettings {
    private volatile Map<String, TrackedSetting> current = Map.of();

    /** The settings this server has now; immutable. */
    public Map<String, TrackedSetting> current() {
        return current;
    }

    /** Server loop: the linked client's committed settings changed, and this server made the change. */
    void now(Map<String, TrackedSetting> settings) {
        current = settings;
    }

    /**
     * Client loop, at assignment: appends to {@code sql} the statements (each ended by {@code ;}) that make this
     * server's settings equal {@code wanted}, and records that it has them. Nothing when it has them already.
     * Resets come first; a change of session authorization resets the role in PostgreSQL, so it precedes the role.
     */
    public void changeTo(Map<String, TrackedSetting> wanted, StringBuilder sql) {
        Map<String, TrackedSetting> had = current;
        if (had == wanted || had.equals(wanted)) {
            return;
        }
        current = wanted;
        had.forEach((key, setting) -> {
            if (!wanted.containsKey(key)) {
                sql.append(setting.resetSql()).append(';');
            }
        });
        TrackedSetting authorization = wanted.get(TrackedSetting.SESSION_AUTHORIZATION);
        boolean authorizationChanged = !Objects.equals(authorization,
                had.get(TrackedSetting.SESSION_AUTHORIZATION));
        if (authorization != null && authorizationChanged) {
            sql.append(authorization.applySql()).append(';');
        }
        wanted.forEach((key, setting) -> {
            boolean roleLost = authorizationChanged && key.equals(TrackedSetting.ROLE);
            if (!key.equals(TrackedSetting.SESSION_AUTHORIZATION) && (roleLost || !setting.equals(had.get(key)))) {
                sql.append(setting.applySql()).append(';');
            }
        });
    }

    /**
     * Server loop: the server reset query ran cleanly; {@code DISCARD ALL}, {@code RESET ALL} or {@code RESET name}
     * in it took settings away.
     */
    public void afterReset(String resetQuery) {
        Map<String, TrackedSetting> had = current;
        if (had.isEmpty()) {
            return;
        }
        List<SessionCommand> commands = SessionStatements.ofQuery(resetQuery);
        if (commands == null) {
            return;
        }
        Map<String, TrackedSetting> left = new LinkedHashMap<>(had);
        for (SessionCommand command : commands) {
            if (command instanceof SessionCommand.Reset || command instanceof SessionCommand.ResetAll) {
                SessionSettings.apply(command, left);
            }
        }
        current = left.isEmpty() ? Map.of() : Collections.unmodifiableMap(left);
    }
}
