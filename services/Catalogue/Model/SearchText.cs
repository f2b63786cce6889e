using System.Text;
using NpgsqlTypes;
using Platform.Contracts;

namespace Platform.Catalogue.Model;

/// <summary>
/// Chinese-aware search tokens for PostgreSQL's own full-text machinery. PostgreSQL has no Chinese parser, so
/// text is cut here: every Han character and every pair of adjacent Han characters (bigram) becomes a lexeme,
/// and ASCII letter/digit runs become lowercase words. The database turns the tokens into an indexed
/// <c>tsvector</c> (GIN). A query matches records holding all its characters and ASCII words and, when it has
/// two adjacent Han characters, at least one of its bigrams; records holding more of its bigrams (its words,
/// as written) rank first. So 档案共享 finds 机关档案信息资源共享利用办法 but not 共同享有案卷.
/// </summary>
public static class SearchText
{
    /// <summary>The space-separated tokens of a record's searchable fields: title, keywords, description, creator, document number.</summary>
    /// <remarks>
    /// Runs for every record ingested, so it builds the one string it returns and nothing else: Han characters and
    /// bigrams are deduplicated as numbers, words through a span lookup, in buffers reused by the thread. A version
    /// holding a string per token was half of the catalogue's allocations during a bulk ingest (measured).
    /// </remarks>
    public static string For(RecordMetadata metadata)
    {
        var sink = new TextSink(t_text ??= new StringBuilder(512), t_han ??= [], t_words ??= new HashSet<string>(StringComparer.Ordinal));
        sink.Clear();
        foreach (var field in Fields(metadata))
        {
            Scan(field, ref sink);
        }
        return sink.Text.ToString();
    }

    [ThreadStatic] private static StringBuilder? t_text;
    [ThreadStatic] private static HashSet<int>? t_han;
    [ThreadStatic] private static HashSet<string>? t_words;

    /// <summary>
    /// The query a text search needs: <c>Match</c> requires every character and word of <paramref name="q"/> and
    /// one of its bigrams; <c>Rank</c> (any of its bigrams and words) scores how much of it appears as written;
    /// <c>Best</c> requires all of it (every bigram too), the matches that share the top rank. Null when
    /// <paramref name="q"/> holds nothing searchable.
    /// </summary>
    public static SearchQuery? Query(string q)
    {
        var required = new HashSet<string>(StringComparer.Ordinal);
        Tokenize(q, required, unigrams: true, bigrams: false);
        if (required.Count == 0)
        {
            return null;
        }
        var bigrams = new HashSet<string>(StringComparer.Ordinal);
        Tokenize(q, bigrams, unigrams: false, bigrams: true);
        bigrams.ExceptWith(required);
        var all = Combine(required, (l, r) => new NpgsqlTsQueryAnd(l, r));
        if (bigrams.Count == 0)
        {
            return new SearchQuery(all, Combine(required, (l, r) => new NpgsqlTsQueryOr(l, r)), all, HasBigrams: false)
            {
                Required = [.. required],
            };
        }
        var anyBigram = Combine(bigrams, (l, r) => new NpgsqlTsQueryOr(l, r));
        var allBigrams = Combine(bigrams, (l, r) => new NpgsqlTsQueryAnd(l, r));
        return new SearchQuery(new NpgsqlTsQueryAnd(all, anyBigram), anyBigram, new NpgsqlTsQueryAnd(all, allBigrams), HasBigrams: true)
        {
            Required = [.. required],
            Bigrams = [.. bigrams],
        };
    }

    /// <summary>
    /// The part of <paramref name="search"/>'s <see cref="SearchQuery.Match"/> worth asking the GIN index for: its
    /// tokens that <paramref name="isCommon"/> says most records hold are left out (and the any-of-its-bigrams part
    /// when one of them is common), because the index reads every record's entry for such a token and they narrow
    /// nothing; the rows it returns are then tested against the whole query. Null when nothing is left out, or when
    /// every token is common (the whole query is then asked, which matches most records anyway).
    /// </summary>
    public static NpgsqlTsQuery? Selective(SearchQuery search, Func<string, bool> isCommon)
    {
        var required = search.Required.Where(t => !isCommon(t)).ToList();
        var keepBigrams = search.Bigrams.Count > 0 && !search.Bigrams.Any(isCommon);
        if (required.Count == search.Required.Count && (search.Bigrams.Count == 0 || keepBigrams))
        {
            return null;
        }
        var selective = required.Count == 0 ? null : Combine(required, (l, r) => new NpgsqlTsQueryAnd(l, r));
        if (keepBigrams)
        {
            var anyBigram = Combine(search.Bigrams, (l, r) => new NpgsqlTsQueryOr(l, r));
            selective = selective is null ? anyBigram : new NpgsqlTsQueryAnd(selective, anyBigram);
        }
        return selective;
    }

    private static NpgsqlTsQuery Combine(IEnumerable<string> tokens, Func<NpgsqlTsQuery, NpgsqlTsQuery, NpgsqlTsQuery> join) =>
        tokens.Select(t => (NpgsqlTsQuery)new NpgsqlTsQueryLexeme(t)).Aggregate(join);

    private static IEnumerable<string> Fields(RecordMetadata metadata)
    {
        yield return metadata.Title;
        foreach (var keyword in metadata.Keywords) yield return keyword;
        if (metadata.Description is not null) yield return metadata.Description;
        yield return metadata.Creator;
        if (metadata.DocumentNumber is not null) yield return metadata.DocumentNumber;
    }

    internal static void Tokenize(string text, HashSet<string> tokens, bool unigrams, bool bigrams)
    {
        var sink = new SetSink(tokens, unigrams, bigrams);
        Scan(text, ref sink);
    }

    /// <summary>Cuts <paramref name="text"/> (NFKC-normalised) into Han characters, Han bigrams and lowercase ASCII words, in order.</summary>
    private static void Scan<TSink>(string text, ref TSink sink) where TSink : struct, ITokenSink
    {
        var normalized = text.Normalize(NormalizationForm.FormKC);
        Span<char> word = stackalloc char[64];
        var length = 0;
        char previousHan = '\0';
        foreach (var c in normalized)
        {
            if (IsHan(c))
            {
                Flush(ref sink, word, ref length);
                sink.Han(c);
                if (previousHan != '\0') sink.Bigram(previousHan, c);
                previousHan = c;
                continue;
            }
            previousHan = '\0';
            if (char.IsAsciiLetterOrDigit(c))
            {
                if (length == word.Length)
                {
                    var longer = new char[word.Length * 2];
                    word.CopyTo(longer);
                    word = longer;
                }
                word[length++] = char.ToLowerInvariant(c);
            }
            else
            {
                Flush(ref sink, word, ref length);
            }
        }
        Flush(ref sink, word, ref length);
    }

    private static void Flush<TSink>(ref TSink sink, Span<char> word, ref int length) where TSink : struct, ITokenSink
    {
        if (length > 0)
        {
            sink.Word(word[..length]);
            length = 0;
        }
    }

    private interface ITokenSink
    {
        void Han(char c);

        void Bigram(char first, char second);

        void Word(ReadOnlySpan<char> word);
    }

    /// <summary>Collects the tokens as strings (a query's few).</summary>
    private readonly struct SetSink(HashSet<string> tokens, bool unigrams, bool bigrams) : ITokenSink
    {
        public void Han(char c)
        {
            if (unigrams) tokens.Add(c.ToString());
        }

        public void Bigram(char first, char second)
        {
            if (bigrams) tokens.Add(string.Concat(first, second));
        }

        public void Word(ReadOnlySpan<char> word) => tokens.Add(word.ToString());
    }

    /// <summary>
    /// Writes each token once, space-separated, in the order first seen. A Han character is kept as its code, a
    /// bigram as both codes in one number (the first is at least U+3400, so a bigram never equals a character).
    /// </summary>
    private readonly struct TextSink(StringBuilder text, HashSet<int> han, HashSet<string> words) : ITokenSink
    {
        public StringBuilder Text => text;

        public void Clear()
        {
            text.Clear();
            han.Clear();
            words.Clear();
        }

        public void Han(char c)
        {
            if (han.Add(c)) Separator().Append(c);
        }

        public void Bigram(char first, char second)
        {
            if (han.Add(first << 16 | second)) Separator().Append(first).Append(second);
        }

        public void Word(ReadOnlySpan<char> word)
        {
            var lookup = words.GetAlternateLookup<ReadOnlySpan<char>>();
            if (!lookup.Contains(word))
            {
                lookup.Add(word);
                Separator().Append(word);
            }
        }

        private StringBuilder Separator() => text.Length > 0 ? text.Append(' ') : text;
    }

    // CJK Unified Ideographs with extension A and the compatibility block; surrogate pairs (extension B+) are rare in titles.
    private static bool IsHan(char c) => c is >= '\u3400' and <= '\u4DBF' or >= '\u4E00' and <= '\u9FFF' or >= '\uF900' and <= '\uFAFF';
}

/// <summary>
/// A parsed search. The tokens carry no positions, so every record matching <see cref="Best"/> has the same (top)
/// <see cref="Rank"/>: a page that lies within them is simply the newest of them, which an index answers without
/// ranking every match. Ranking is needed only for pages past them (or when <see cref="HasBigrams"/> is false, never).
/// </summary>
public sealed record SearchQuery(NpgsqlTsQuery Match, NpgsqlTsQuery Rank, NpgsqlTsQuery Best, bool HasBigrams)
{
    /// <summary>The tokens <see cref="Match"/> requires: every Han character and ASCII word of the query.</summary>
    public IReadOnlyList<string> Required { get; init; } = [];

    /// <summary>The query's bigrams (not also single tokens), one of which <see cref="Match"/> requires.</summary>
    public IReadOnlyList<string> Bigrams { get; init; } = [];
}
