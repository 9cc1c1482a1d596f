package dev.spate.metainfo;

import dev.spate.bencode.BDictionary;
import dev.spate.bencode.BInteger;
import dev.spate.bencode.BString;
import dev.spate.bencode.BValue;
import dev.spate.metainfo.FileEntry.Attribute;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

/**
 * Reads and validates the {@code file tree} of a BEP 52 (v2) info dictionary: a tree of
 * dictionaries whose keys are path components, each file a dictionary under the empty key with its
 * {@code length} and, when not empty, its 32-byte {@code pieces root}. Files come out in the
 * tree's key order, which is the order of the v2 piece space. Paths are raw here (decoded, not yet
 * sanitized). Stateless and thread-safe.
 */
final class FileTree {
    /**
     * One file of the tree.
     *
     * @param path the raw components, from the tree's root
     * @param length bytes (0 for a symbolic link)
     * @param attributes BEP 47 attributes ({@code x}, {@code h}, {@code l})
     * @param symlinkTarget the raw target of a symbolic link, or empty
     * @param piecesRoot the root of the file's merkle tree, 32 bytes; null for an empty file or a link
     */
    record File(List<String> path, long length, EnumSet<Attribute> attributes, List<String> symlinkTarget, byte[] piecesRoot) {
    }

    private FileTree() {
    }

    /** The files of {@code tree}, in order. */
    static List<File> read(BDictionary tree, int maxFiles) throws MetainfoException {
        if (tree.containsKey("")) {
            throw new MetainfoException("'file tree' of info dictionary is itself a file, expected a directory (BEP 52)");
        }
        List<File> out = new ArrayList<>();
        walk(tree, new ArrayList<>(), out, maxFiles);
        if (out.isEmpty()) {
            throw new MetainfoException("'file tree' of info dictionary holds no file");
        }
        return out;
    }

    private static void walk(BDictionary dir, List<String> at, List<File> out, int maxFiles) throws MetainfoException {
        for (Map.Entry<String, BValue> e : dir.entries().entrySet()) {
            String name = PathSanitizer.decode(BDictionary.keyBytes(e.getKey()));
            at.add(name);
            String where = MetainfoParser.quote(String.join("/", at));
            if (!(e.getValue() instanceof BDictionary node)) {
                throw new MetainfoException("entry " + where + " of 'file tree' is " + MetainfoParser.article(e.getValue().kind())
                        + ", expected a dictionary");
            }
            if (node.containsKey("")) {
                if (node.size() != 1) {
                    throw new MetainfoException("entry " + where + " of 'file tree' is a file with other entries beside it");
                }
                if (out.size() >= maxFiles) {
                    throw new MetainfoException("'file tree' lists more than the limit of " + maxFiles + " files");
                }
                out.add(file(node.get(""), List.copyOf(at), where));
            } else {
                walk(node, at, out, maxFiles);
            }
            at.remove(at.size() - 1);
        }
    }

    private static File file(BValue v, List<String> path, String where) throws MetainfoException {
        if (!(v instanceof BDictionary f)) {
            throw new MetainfoException("file " + where + " of 'file tree' is " + MetainfoParser.article(v.kind())
                    + ", expected a dictionary");
        }
        EnumSet<Attribute> attributes = MetainfoParser.attributes(f);
        if (attributes.contains(Attribute.PAD)) {
            throw new MetainfoException("file " + where + " of 'file tree' is marked as a pad file, which a v2 file tree cannot hold");
        }
        List<String> target = List.of();
        if (attributes.contains(Attribute.SYMLINK)) {
            target = MetainfoParser.symlinkPath(f);
            if (target.isEmpty()) {
                attributes.remove(Attribute.SYMLINK);
            } else {
                // BEP 47: a link's length is zero (and may be left out).
                return new File(path, 0, attributes, target, null);
            }
        }
        if (!(f.get("length") instanceof BInteger length)) {
            throw new MetainfoException(f.containsKey("length")
                    ? "'length' of file " + where + " of 'file tree' is " + MetainfoParser.article(f.get("length").kind()) + ", expected an integer"
                    : "missing 'length' in file " + where + " of 'file tree'");
        }
        if (length.value() < 0) {
            throw new MetainfoException("negative length " + length.value() + " in file " + where + " of 'file tree'");
        }
        byte[] piecesRoot = null;
        if (length.value() > 0) {
            if (!(f.get("pieces root") instanceof BString root) || root.length() != 32) {
                throw new MetainfoException(f.containsKey("pieces root")
                        ? "'pieces root' of file " + where + " of 'file tree' is not a 32-byte string"
                        : "missing 'pieces root' in file " + where + " of 'file tree'");
            }
            boolean zero = true;
            for (byte b : root.bytes()) {
                zero &= b == 0;
            }
            if (zero) {
                throw new MetainfoException("'pieces root' of file " + where + " of 'file tree' is all zeros");
            }
            piecesRoot = root.bytes();
        }
        return new File(path, length.value(), attributes, target, piecesRoot);
    }
}
