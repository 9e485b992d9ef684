"""``metrics.json``, MLflow metrics and the markdown report of ``product_insights``."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ia_portfolio.tracking import mlflow_metrics

REPORT_TEMPLATE = """# `product_insights`: what unhappy customers talk about, and photos grouped without labels

## Data
- Reviews: {reviews_source}. {reviews:,} unhappy reviews kept ({by_corpus}), {vocabulary:,} tokens in the shared vocabulary.
- Photos: {images_source}. A stratified sample of {images:,} photos, {classes} labels.

## Topics
Reviews are cleaned (HTML entities, quotes, links), tokenised, stop words removed
(gensim + scikit-learn lists), bigrams joined (gensim Phrases, e.g. `birth_control`,
`side_effects`) and Porter-stemmed; topics show each stem as its most frequent word.
Two models are fitted for every k in {k_values}, and scored with the same tokens and
gensim dictionary (c_v and NPMI over the top {top_n} words of each topic):
LDA on the bag of words, and BERTopic over MiniLM sentence embeddings (UMAP to 5-D,
KMeans(k), class-based TF-IDF over the same vocabulary). See `coherence.png`.

{coherence_table}

- LDA: best c_v at **k = {lda_k}** (c_v {lda_cv:.3f}, NPMI {lda_npmi:.3f}); its largest topic holds {lda_largest:.0%} of the reviews.
- Embedding model: best c_v at **k = {embedding_k}** (c_v {embedding_cv:.3f}, NPMI {embedding_npmi:.3f}); its largest topic holds {embedding_largest:.0%} of the reviews.
- Higher c_v: **{cv_winner}**; higher NPMI: **{npmi_winner}** (course reference: LDA with 3 topics, c_v 0.299).
  Coherence alone rewards a few broad topics: read it together with the largest
  topic's share — a model whose one topic swallows most reviews says little.

### Topics of the embedding model (`topic_shares.png`, interactive map `topic_map.json`)

{embedding_topics}

### Topics of LDA

{lda_topics}

Representative reviews per topic: `topic_summary.csv`. Words that set each corpus apart
(mean TF-IDF): `distinctive_terms.csv`.

## Photos
Each photo is denoised (non-local means) and contrast-equalised (CLAHE), see
`preprocessing.png`. Four feature families, each L2-normalised and reduced by PCA to the
components explaining {variance:.0%} of its variance (at most {max_components}; see
`pca_variance.png`), are clustered into as many groups as labels with KMeans and with
Ward agglomerative clustering, and scored by the adjusted Rand index (ARI) against the
true labels (`ari.png`, `confusion.png`, t-SNE maps in `image_maps.png`).

{family_table}

Best: **{best_family}** ({best_method}, ARI {best_ari:.3f}). References on 2,000
Fashion-MNIST images with KMeans: {references}. `cluster_gallery.png` shows each cluster
of the best family as a row of photos with its most common label and its purity.

## Limits
- The photos are Fashion-MNIST product pictures (28×28 grey), not restaurant photos;
  the `original` environment reads the Yelp photos instead.
- ARI needs true labels: it measures how far unsupervised groups would match a
  labelling, not how useful the groups are.
- Topic names are each topic's three top words, not a human judgement.
"""


def _winner(lda: float, embedding: float) -> str:
    return "LDA" if lda > embedding else "embedding model"


def build_metrics(
    reviews: pd.DataFrame,
    dictionary: Any,
    lda_coherence: pd.DataFrame,
    embedding_coherence: pd.DataFrame,
    topic_summary: pd.DataFrame,
    image_sample: pd.DataFrame,
    family_comparison: pd.DataFrame,
    data: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, dict[str, float]]]:
    """``metrics.json`` content (coherence per k and method, chosen k, ARI per
    feature family and method), and its scalar figures for MLflow."""
    topics: dict[str, Any] = {}
    for method, curve in (("lda", lda_coherence), ("embedding", embedding_coherence)):
        best = curve.loc[curve["c_v"].idxmax()]
        shares = topic_summary.loc[topic_summary["method"] == method, "share"]
        topics[method] = {
            "chosen_k": int(best["k"]),
            "c_v": float(best["c_v"]),
            "npmi": float(best["npmi"]),
            "largest_topic_share": float(shares.max()),
            "by_k": curve[["k", "c_v", "npmi"]].to_dict(orient="records"),
        }
    families = {
        row["features"]: {
            "dimensions": int(row["dimensions"]),
            "pca_components": int(row["pca_components"]),
            "explained_variance": float(row["explained_variance"]),
            "ari": {
                c.removeprefix("ari_"): float(row[c])
                for c in family_comparison
                if c.startswith("ari_") and c != "ari_best"
            },
        }
        for _, row in family_comparison.iterrows()
    }
    metrics = {
        "reviews_source": data["reviews"]["description"],
        "images_source": data["images"]["description"],
        "reviews": len(reviews),
        "reviews_by_corpus": reviews["corpus"].value_counts().to_dict(),
        "vocabulary": len(dictionary),
        "topics": topics,
        "images": len(image_sample),
        "classes": int(image_sample["label"].nunique()),
        "image_features": families,
        "best_image_features": str(family_comparison.iloc[0]["features"]),
        "best_ari": float(family_comparison.iloc[0]["ari_best"]),
    }
    figures: dict[str, float] = {"reviews": len(reviews), "images": len(image_sample)}
    for method, result in topics.items():
        figures |= {
            f"{method}_chosen_k": result["chosen_k"],
            f"{method}_c_v": result["c_v"],
            f"{method}_npmi": result["npmi"],
        }
    for family, result in families.items():
        figures |= {f"ari_{family}_{m}": v for m, v in result["ari"].items()}
    return metrics, mlflow_metrics(figures)


def _topic_table(topic_summary: pd.DataFrame, method: str, corpora: list[str]) -> str:
    rows = topic_summary.loc[topic_summary["method"] == method]
    columns = ["name", "top_words", "share", *[f"share_{c}" for c in corpora]]
    return rows[columns].to_markdown(index=False, floatfmt=".1%")


def write_report(
    metrics: dict[str, Any],
    topic_summary: pd.DataFrame,
    family_comparison: pd.DataFrame,
    topics: dict[str, Any],
    clustering: dict[str, Any],
    references: dict[str, float],
) -> str:
    """The report in markdown: data, topics, photos, limits."""
    lda, embedding = metrics["topics"]["lda"], metrics["topics"]["embedding"]
    coherence = pd.DataFrame(
        [
            {"method": m, **row}
            for m in ("lda", "embedding")
            for row in metrics["topics"][m]["by_k"]
        ]
    ).pivot(index="k", columns="method", values=["c_v", "npmi"])
    coherence.columns = [f"{measure} {method}" for measure, method in coherence.columns]
    corpora = sorted(metrics["reviews_by_corpus"])
    best = family_comparison.iloc[0]
    ari_columns = [
        c for c in family_comparison if c.startswith("ari_") and c != "ari_best"
    ]
    return REPORT_TEMPLATE.format(
        reviews_source=metrics["reviews_source"],
        reviews=metrics["reviews"],
        by_corpus=", ".join(
            f"{c}: {n:,}" for c, n in metrics["reviews_by_corpus"].items()
        ),
        vocabulary=metrics["vocabulary"],
        images_source=metrics["images_source"],
        images=metrics["images"],
        classes=metrics["classes"],
        k_values=topics["k_values"],
        top_n=topics["top_n"],
        coherence_table=coherence.reset_index()
        .astype({"k": int})
        .to_markdown(index=False, floatfmt=".3f"),
        lda_k=lda["chosen_k"],
        lda_cv=lda["c_v"],
        lda_npmi=lda["npmi"],
        lda_largest=lda["largest_topic_share"],
        embedding_k=embedding["chosen_k"],
        embedding_cv=embedding["c_v"],
        embedding_npmi=embedding["npmi"],
        embedding_largest=embedding["largest_topic_share"],
        cv_winner=_winner(lda["c_v"], embedding["c_v"]),
        npmi_winner=_winner(lda["npmi"], embedding["npmi"]),
        embedding_topics=_topic_table(topic_summary, "embedding", corpora),
        lda_topics=_topic_table(topic_summary, "lda", corpora),
        variance=clustering["reduction"]["variance"],
        max_components=clustering["reduction"]["max_components"],
        family_table=family_comparison.to_markdown(index=False, floatfmt=".3f"),
        best_family=best["features"],
        best_method=max(ari_columns, key=lambda c: best[c]).removeprefix("ari_"),
        best_ari=best["ari_best"],
        references=", ".join(f"{f} {v:.2f}" for f, v in references.items()),
    )
