package dev.spate.metainfo;

import dev.spate.metainfo.FileEntry.Attribute;
import java.util.EnumSet;
import java.util.List;

/**
 * One file while the parser works on it: its path sanitized, then perhaps renamed, its symbolic
 * link checked. Confined to the parsing thread.
 */
final class FileDraft {
    List<String> path;
    final long length;
    final EnumSet<Attribute> attributes;
    /** The sanitized target of a symbolic link, or empty. */
    List<String> symlinkTarget;

    FileDraft(List<String> path, long length, EnumSet<Attribute> attributes, List<String> symlinkTarget) {
        this.path = path;
        this.length = length;
        this.attributes = attributes;
        this.symlinkTarget = symlinkTarget;
    }

    boolean isPad() {
        return attributes.contains(Attribute.PAD);
    }

    String joined() {
        return String.join("/", path);
    }

    FileEntry entry(long offset) {
        return new FileEntry(path, length, offset, attributes, symlinkTarget);
    }
}
