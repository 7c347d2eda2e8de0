package io.jbouncer.core.pool;

/** A pool is one (database, user) pair: the jbouncer-side database name and the user servers log in as. */
public record PoolKey(String database, String user) implements Comparable<PoolKey> {
    @Override
    public int compareTo(PoolKey other) {
        int byDatabase = database.compareTo(other.database);
        return byDatabase != 0 ? byDatabase : user.compareTo(other.user);
    }

    @Override
    public String toString() {
        return database + "/" + user;
    }
}
