package io.jbouncer.admin.view;

/**
 * One socket for SHOW FDS (admin only). {@code task} is {@code pooler}, {@code client} or {@code server};
 * nullable text columns print NULL; the SCRAM keys are null unless SCRAM pass-through keys are known.
 */
public record FdRow(int fd, String task, String user, String database, String addr, int port, long cancel,
                    int link, String clientEncoding, String stdStrings, String datestyle, String timezone,
                    String password, byte[] scramClientKey, byte[] scramServerKey) {
    @Override
    public String toString() {
        return "FdRow[fd=" + fd + ", task=" + task + ", user=" + user + ", database=" + database + "]";
    }
}
