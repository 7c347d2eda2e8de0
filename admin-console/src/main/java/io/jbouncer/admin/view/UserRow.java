package io.jbouncer.admin.view;

/**
 * One user for SHOW USERS. {@code poolSize}/{@code reservePoolSize} are negative when not set for the user
 * (printed as {@code ""}, otherwise as {@code %9d} text); {@code poolMode} is null when not set; the max values
 * are effective.
 */
public record UserRow(String name, int poolSize, int reservePoolSize, String poolMode, int maxUserConnections,
                      int currentConnections, int maxUserClientConnections, int currentClientConnections) {
}
