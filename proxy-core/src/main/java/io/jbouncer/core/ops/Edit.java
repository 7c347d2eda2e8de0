package io.jbouncer.core.ops;

/**
 * The result of editing a file's text: the new content and what happened to the entry.
 *
 * @param text the whole new file content (one char per byte); equal to the input when nothing changed
 * @param outcome what the edit did
 */
record Edit(String text, Outcome outcome) {

    /** What an edit did to its entry. */
    enum Outcome {
        /** A new entry was written. */
        ADDED,
        /** An entry of that name existed with another definition and now has the requested one. */
        REPLACED,
        /** The entry was deleted. */
        REMOVED,
        /** The entry already had the requested definition; the file is left alone. */
        ALREADY_PRESENT,
        /** There was no entry to remove; the file is left alone. */
        NOT_PRESENT;

        /** Whether the file has to be rewritten. */
        boolean changes() {
            return this == ADDED || this == REPLACED || this == REMOVED;
        }
    }
}
