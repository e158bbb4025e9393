package org.storagegateway.nfs;

import java.util.regex.PatternSyntaxException;

/** Converts a {@link java.nio.file.FileSystem#getPathMatcher glob} to a regular expression, with '/' as separator. */
final class Globs {
    private static final String REGEX_META = ".^$+{[]|()";
    private static final String GLOB_META = "\\*?[{";

    private Globs() {
    }

    static String toRegex(String glob) {
        StringBuilder re = new StringBuilder("^");
        boolean inGroup = false;
        int i = 0;
        while (i < glob.length()) {
            char c = glob.charAt(i++);
            switch (c) {
                case '\\' -> {
                    if (i == glob.length()) {
                        throw new PatternSyntaxException("No character to escape", glob, i - 1);
                    }
                    char next = glob.charAt(i++);
                    if (GLOB_META.indexOf(next) >= 0 || REGEX_META.indexOf(next) >= 0) {
                        re.append('\\');
                    }
                    re.append(next);
                }
                case '/' -> re.append(c);
                case '[' -> {
                    re.append("[[^/]&&[");
                    if (i < glob.length() && glob.charAt(i) == '^') {
                        re.append("\\^");
                        i++;
                    } else {
                        if (i < glob.length() && glob.charAt(i) == '!') {
                            re.append('^');
                            i++;
                        }
                        if (i < glob.length() && glob.charAt(i) == '-') {
                            re.append('-');
                            i++;
                        }
                    }
                    boolean closed = false;
                    while (i < glob.length()) {
                        c = glob.charAt(i++);
                        if (c == ']') {
                            closed = true;
                            break;
                        }
                        if (c == '/') {
                            throw new PatternSyntaxException("Explicit 'name separator' in class", glob, i - 1);
                        }
                        if (c == '\\' || c == '[' || (c == '&' && i < glob.length() && glob.charAt(i) == '&')) {
                            re.append('\\');
                        }
                        re.append(c);
                    }
                    if (!closed) {
                        throw new PatternSyntaxException("Missing ']'", glob, i - 1);
                    }
                    re.append("]]");
                }
                case '{' -> {
                    if (inGroup) {
                        throw new PatternSyntaxException("Cannot nest groups", glob, i - 1);
                    }
                    re.append("(?:(?:");
                    inGroup = true;
                }
                case '}' -> {
                    if (inGroup) {
                        re.append("))");
                        inGroup = false;
                    } else {
                        re.append('}');
                    }
                }
                case ',' -> re.append(inGroup ? ")|(?:" : ",");
                case '*' -> {
                    if (i < glob.length() && glob.charAt(i) == '*') {
                        re.append(".*");
                        i++;
                    } else {
                        re.append("[^/]*");
                    }
                }
                case '?' -> re.append("[^/]");
                default -> {
                    if (REGEX_META.indexOf(c) >= 0) {
                        re.append('\\');
                    }
                    re.append(c);
                }
            }
        }
        if (inGroup) {
            throw new PatternSyntaxException("Missing '}'", glob, i - 1);
        }
        return re.append('$').toString();
    }
}
