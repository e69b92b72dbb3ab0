#!/usr/bin/env python3
"""Search and prefix baselines in Python, fed the same jieba-tokenized text:
tantivy (PyPI `tantivy`, Rust behind PyO3), Xapian (Debian `python3-xapian`)
and Whoosh (PyPI, pure Python). For each peer: index build time, then one
thread in-process timing every query (all words must match, top 10) and
every prefix (term-prefix query on the titles, top 10), each returning the
stored ids of its hits (ours returns id, title, signals and anchor). Prints one JSON line
per peer and measure. Run by benches/peers/run_all.sh in its virtualenv."""
import argparse
import importlib.metadata
import json
import shutil
import statistics
import tempfile
import time


def read_docs(path):
    docs = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            doc_id, _, tokens = line.rstrip("\n").partition("\t")
            if tokens:
                docs.append((doc_id, tokens))
    return docs


def read_lines(path):
    with open(path, encoding="utf-8") as handle:
        return [line.rstrip("\n") for line in handle if line.strip()]


def timed(items, run):
    latencies, nonempty = [], 0
    started = time.perf_counter()
    for item in items:
        begin = time.perf_counter()
        if run(item):
            nonempty += 1
        latencies.append(time.perf_counter() - begin)
    total = time.perf_counter() - started
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, round((len(latencies) - 1) * q))] * 1000
    return {"count": len(items), "seconds": total, "per_s": len(items) / total,
            "p50_ms": pick(0.5), "p99_ms": pick(0.99), "mean_ms": statistics.mean(latencies) * 1000,
            "nonempty_share": nonempty / max(1, len(items))}


def emit(peer, version, measure, **values):
    print(json.dumps({"peer": peer, "version": version, "measure": measure, **values}, ensure_ascii=False), flush=True)


def tantivy_peer(docs, queries, prefixes, scratch):
    import tantivy
    version = importlib.metadata.version("tantivy")
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", stored=False, tokenizer_name="whitespace")
    schema = builder.build()
    index = tantivy.Index(schema, path=scratch)
    started = time.perf_counter()
    writer = index.writer(heap_size=256_000_000, num_threads=2)
    for doc_id, tokens in docs:
        writer.add_document(tantivy.Document(id=doc_id, title=tokens))
    writer.commit()
    writer.wait_merging_threads()
    seconds = time.perf_counter() - started
    emit("tantivy-py", version, "build", documents=len(docs), seconds=seconds, docs_per_s=len(docs) / seconds,
         config="whitespace tokenizer, 2 indexing threads, 256 MB heap")
    index.reload()
    searcher = index.searcher()

    def search(words):
        terms = [(tantivy.Occur.Must, tantivy.Query.term_query(schema, "title", w)) for w in words.split()]
        hits = searcher.search(tantivy.Query.boolean_query(terms), 10).hits
        return [searcher.doc(address)["id"][0] for _, address in hits]

    emit("tantivy-py", version, "query", **timed(queries, search))

    def prefix(text):
        pattern = "".join("\\" + c if not c.isalnum() else c for c in text) + ".*"
        hits = searcher.search(tantivy.Query.regex_query(schema, "title", pattern), 10).hits
        return [searcher.doc(address)["id"][0] for _, address in hits]

    emit("tantivy-py", version, "prefix", **timed(prefixes, prefix))


def xapian_peer(docs, queries, prefixes, scratch):
    import xapian
    version = xapian.version_string()
    started = time.perf_counter()
    db = xapian.WritableDatabase(scratch, xapian.DB_CREATE_OR_OPEN)
    for doc_id, tokens in docs:
        document = xapian.Document()
        for position, word in enumerate(tokens.split(), start=1):
            document.add_posting(word, position)
        document.set_data(doc_id)
        db.add_document(document)
    db.commit()
    seconds = time.perf_counter() - started
    emit("xapian", version, "build", documents=len(docs), seconds=seconds, docs_per_s=len(docs) / seconds,
         config="one posting per jieba token, default BM25")
    db.close()
    db = xapian.Database(scratch)
    enquire = xapian.Enquire(db)

    def search(words):
        enquire.set_query(xapian.Query(xapian.Query.OP_AND, words.split()))
        return [match.document.get_data() for match in enquire.get_mset(0, 10)]

    emit("xapian", version, "query", **timed(queries, search))

    def prefix(text):
        enquire.set_query(xapian.Query(xapian.Query.OP_WILDCARD, text, 0, xapian.Query.WILDCARD_LIMIT_ERROR, xapian.Query.OP_OR))
        return [match.document.get_data() for match in enquire.get_mset(0, 10)]

    emit("xapian", version, "prefix", **timed(prefixes, prefix))


def whoosh_peer(docs, queries, prefixes, scratch):
    from whoosh import index as whoosh_index
    from whoosh.analysis import SpaceSeparatedTokenizer
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.query import And, Prefix, Term
    import whoosh
    version = whoosh.versionstring()
    schema = Schema(id=ID(stored=True), title=TEXT(analyzer=SpaceSeparatedTokenizer()))
    index = whoosh_index.create_in(scratch, schema)
    started = time.perf_counter()
    writer = index.writer(limitmb=256)
    for doc_id, tokens in docs:
        writer.add_document(id=doc_id, title=tokens)
    writer.commit()
    seconds = time.perf_counter() - started
    emit("whoosh", version, "build", documents=len(docs), seconds=seconds, docs_per_s=len(docs) / seconds,
         config="SpaceSeparatedTokenizer over jieba tokens, one writer, 256 MB")
    with index.searcher() as searcher:
        ids = lambda results: [hit["id"] for hit in results]
        emit("whoosh", version, "query", **timed(queries, lambda words: ids(searcher.search(And([Term("title", w) for w in words.split()]), limit=10))))
        emit("whoosh", version, "prefix", **timed(prefixes, lambda text: ids(searcher.search(Prefix("title", text), limit=10))))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", required=True, help="id<TAB>space-separated jieba tokens, one document per line")
    parser.add_argument("--queries", required=True, help="space-separated jieba tokens, one query per line")
    parser.add_argument("--prefixes", required=True, help="one prefix per line")
    parser.add_argument("--peers", default="tantivy-py,xapian,whoosh")
    args = parser.parse_args()
    docs, queries, prefixes = read_docs(args.docs), read_lines(args.queries), read_lines(args.prefixes)
    peers = {"tantivy-py": tantivy_peer, "xapian": xapian_peer, "whoosh": whoosh_peer}
    for name in args.peers.split(","):
        scratch = tempfile.mkdtemp(prefix=f"peer-{name}-")
        try:
            peers[name](docs, queries, prefixes, scratch)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
