"""The ``product_insights`` pipeline, in two parts under one namespace:

- text: unhappy reviews -> tokens -> LDA and an embedding topic model, k chosen by
  coherence -> named topics, shares, representative reviews, interactive map;
- images: labelled photos -> stratified sample -> cleaned -> four feature families
  -> PCA, two clusterings, ARI, maps and galleries.

Both end in one ``metrics.json`` and one report.
"""

from kedro.pipeline import Node, Pipeline

from ia_portfolio.pipelines.product_insights import (
    clustering,
    images,
    plots,
    report,
    reviews,
    topics,
)

FAMILIES = ("sift", "orb", "pixels", "cnn")


def create_text_pipeline() -> Pipeline:
    """Unhappy reviews to named topics, compared across two topic models."""
    return Pipeline(
        [
            Node(
                reviews.prepare_reviews,
                ["raw_reviews", "params:data.reviews", "params:seed"],
                "reviews",
                name="prepare_reviews",
                tags="data_preparation",
            ),
            Node(
                reviews.tokenise_reviews,
                ["reviews", "params:text.tokens"],
                ["review_tokens", "display_words"],
                name="tokenise_reviews",
                tags="data_preparation",
            ),
            Node(
                reviews.build_vocabulary,
                ["review_tokens", "params:text.vocabulary"],
                "dictionary",
                name="build_vocabulary",
                tags="data_preparation",
            ),
            Node(
                reviews.find_distinctive_terms,
                [
                    "reviews",
                    "review_tokens",
                    "dictionary",
                    "display_words",
                    "params:text.vocabulary",
                ],
                "distinctive_terms",
                name="find_distinctive_terms",
                tags="evaluation",
            ),
            Node(
                topics.select_lda_topics,
                ["review_tokens", "dictionary", "params:text.topics", "params:seed"],
                ["lda_coherence", "lda_topics"],
                name="select_lda_topics",
                tags="training",
            ),
            Node(
                topics.embed_reviews,
                ["reviews", "params:text.topics.embedding"],
                "review_embeddings",
                name="embed_reviews",
                tags="data_preparation",
            ),
            Node(
                topics.select_embedding_topics,
                [
                    "review_tokens",
                    "dictionary",
                    "review_embeddings",
                    "params:text.topics",
                    "params:seed",
                ],
                ["embedding_coherence", "embedding_topics"],
                name="select_embedding_topics",
                tags="training",
            ),
            Node(
                topics.map_reviews,
                ["reviews", "review_embeddings", "params:text.topics", "params:seed"],
                "review_map",
                name="map_reviews",
                tags="training",
            ),
            Node(
                topics.describe_topics,
                [
                    "reviews",
                    "lda_topics",
                    "embedding_topics",
                    "display_words",
                    "params:text.topics",
                ],
                "topic_summary",
                name="describe_topics",
                tags="evaluation",
            ),
            Node(
                plots.plot_coherence,
                ["lda_coherence", "embedding_coherence"],
                "coherence_plot",
                name="plot_coherence",
                tags="reporting",
            ),
            Node(
                plots.plot_topic_shares,
                "topic_summary",
                "topic_shares_plot",
                name="plot_topic_shares",
                tags="reporting",
            ),
            Node(
                plots.plot_topic_map,
                ["review_map", "reviews", "embedding_topics", "topic_summary"],
                "topic_map_interactive",
                name="plot_topic_map",
                tags="reporting",
            ),
        ]
    )


def create_image_pipeline() -> Pipeline:
    """Labelled photos to clusters, one per feature family, scored by ARI."""
    features = [
        Node(
            images.extract_bovw_features,
            ["clean_images", f"params:images.{detector}", "params:seed"],
            f"{detector}_features",
            name=f"extract_{detector}_features",
            tags="data_preparation",
        )
        for detector in ("sift", "orb")
    ]
    features += [
        Node(
            images.extract_pixel_features,
            "clean_images",
            "pixels_features",
            name="extract_pixel_features",
            tags="data_preparation",
        ),
        Node(
            images.extract_cnn_features,
            ["image_sample", "params:images.cnn"],
            "cnn_features",
            name="extract_cnn_features",
            tags="data_preparation",
        ),
    ]
    clusterings = [
        Node(
            clustering.cluster_features,
            [
                f"{family}_features",
                "image_sample",
                "params:images.clustering",
                "params:seed",
            ],
            f"{family}_clustering",
            name=f"cluster_{family}_features",
            tags="training",
        )
        for family in FAMILIES
    ]
    results = [f"{family}_clustering" for family in FAMILIES]
    return Pipeline(
        [
            Node(
                images.sample_images,
                ["raw_images", "params:data.images", "params:seed"],
                "image_sample",
                name="sample_images",
                tags="data_preparation",
            ),
            Node(
                images.preprocess_images,
                ["image_sample", "params:images.preprocessing"],
                "clean_images",
                name="preprocess_images",
                tags="data_preparation",
            ),
            *features,
            *clusterings,
            Node(
                clustering.compare_feature_families,
                results,
                "family_comparison",
                name="compare_feature_families",
                tags="evaluation",
            ),
            Node(
                plots.plot_preprocessing,
                ["image_sample", "clean_images", "params:images.preprocessing"],
                "preprocessing_plot",
                name="plot_preprocessing",
                tags="reporting",
            ),
            Node(
                plots.plot_pca_variance,
                results,
                "pca_variance_plot",
                name="plot_pca_variance",
                tags="reporting",
            ),
            Node(
                plots.plot_image_maps,
                ["image_sample", *results],
                "image_maps_plot",
                name="plot_image_maps",
                tags="reporting",
            ),
            Node(
                plots.plot_confusion,
                results,
                "confusion_plot",
                name="plot_confusion",
                tags="reporting",
            ),
            Node(
                plots.plot_ari,
                ["family_comparison", "params:images.reference_ari"],
                "ari_plot",
                name="plot_ari",
                tags="reporting",
            ),
            Node(
                plots.plot_cluster_gallery,
                [
                    "image_sample",
                    "family_comparison",
                    *results,
                    "params:images.gallery",
                    "params:seed",
                ],
                "cluster_gallery_plot",
                name="plot_cluster_gallery",
                tags="reporting",
            ),
        ]
    )


def create_pipeline(**kwargs) -> Pipeline:
    """Text and image parts, then one metrics file and one report; datasets and
    parameters namespaced ``product_insights.*``."""
    reporting = Pipeline(
        [
            Node(
                report.build_metrics,
                [
                    "reviews",
                    "dictionary",
                    "lda_coherence",
                    "embedding_coherence",
                    "topic_summary",
                    "image_sample",
                    "family_comparison",
                    "params:data",
                ],
                ["metrics", "mlflow_metrics"],
                name="build_metrics",
                tags="reporting",
            ),
            Node(
                report.write_report,
                [
                    "metrics",
                    "topic_summary",
                    "family_comparison",
                    "params:text.topics",
                    "params:images.clustering",
                    "params:images.reference_ari",
                ],
                "report",
                name="write_report",
                tags="reporting",
            ),
        ]
    )
    template = create_text_pipeline() + create_image_pipeline() + reporting
    return Pipeline(template, namespace="product_insights")
