#!/usr/bin/python3
"""The authors' notebook code (cair/CorrEmbed_Evaluating_Pre-trained_Model_Efficacy), kept as close to verbatim as
pandas-free Python allows, run on a corrembed dataset manifest: the scoring loop of Model_Evaluator_CLIP.ipynb and
the weighting of Tag_Weighting_Calc.ipynb. The parity test compares `corrembed score` / `corrembed weights` with it.

Usage: notebook_reference.py --dataset manifest.json [--embeddings e.npy] [--orders orders.csv] [--binary]
Prints {"score", "perQuery", "droppedQueries", "queriesUsed", "queriesDropped", "categoryWeights"} as JSON.
Needs NumPy and torch (the notebooks' cosines are torch's F.cosine_similarity in float32). Where the notebooks use
pandas, the pandas operation is named in a comment beside its plain-Python equivalent.
"""
import argparse
import copy
import csv
import json

import numpy as np
import torch
from torch.nn import functional as F

IGNORE_CATEGORIES = ["Size", "brand", "Fit", "Shoe Size"]


# ------------------------------------------------------------------ Model_Evaluator_CLIP.ipynb, cell 8 (verbatim)
def convert_to_vector(tags, tag_cats, tag_list, weights_dict):
    tag_vector = np.zeros(len(tag_list))
    for tag, cat in zip(tags, tag_cats):
        tag_index = np.where(tag_list == tag)[0][0]
        tag_vector[tag_index] = round(weights_dict[cat] * 1, 2)
    return torch.Tensor(tag_vector.reshape(1, -1))


# ------------------------------------------------------------------ cell 14 (verbatim)
def distance_evaluator_altered(embedding_1, embedding_2):
    return F.cosine_similarity(embedding_1.float(), embedding_2.float(), dim=0).item()


def pandas_corr(a, b):
    """Series.corr(method="pearson"): nanops.nancorr -> np.corrcoef(a, b)[0, 1] (NaN when a side is constant)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.corrcoef(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))[0, 1])


def score(manifest, embeddings, binary):
    items = manifest["items"]
    # cell 4: outfits_df["filtered_tags"] / ["filtered_tag_categories"]
    filtered = {}
    for it in items:
        tags = [t["name"] for t in it.get("tags", [])]
        cats = [t["category"] for t in it.get("tags", [])]
        filtered[it["id"]] = (
            [tag for tag, cat in zip(tags, cats) if cat not in IGNORE_CATEGORIES],
            [cat for cat in cats if cat not in IGNORE_CATEGORIES],
        )
    # cell 6: tags_list = outfits_df["filtered_tags"].explode().unique()  (first-seen order; an empty list explodes to NaN)
    seen = []
    for it in items:
        names = filtered[it["id"]][0]
        for name in names if names else [float("nan")]:
            if not any(name is s or name == s for s in seen):
                seen.append(name)
    tags_list = np.array(seen, dtype=object)
    # cells 5 and 7: the weights dictionaries (the manifest's weights stand in for 1 - normalised entropy)
    weights = manifest.get("categoryWeights") or {}
    inverse_normalized_dict = {c: float(w) for c, w in weights.items()}
    default_weights_dict = {c: 1 for c in set(c for it in items for c in filtered[it["id"]][1])}
    weights_dict = default_weights_dict if binary else inverse_normalized_dict
    tag_vector = {it["id"]: convert_to_vector(*filtered[it["id"]], tags_list, weights_dict) for it in items}
    # cell 9: encodings_df = pd.merge(model_embeddings_df, outfit_merge, on="owner", how="inner")  (image order)
    rows = [(im["id"], im["item"], torch.from_numpy(np.asarray(embeddings[k]))) for k, im in enumerate(manifest["images"]) if im["item"] in tag_vector]
    # groupby("owner").head(1): the first row of each owner, in row order
    first_rows = []
    owners = set()
    for k, (_, owner, _) in enumerate(rows):
        if owner not in owners:
            owners.add(owner)
            first_rows.append(k)
    per_query = {}
    dropped = []
    # cell 14's loop over average_encodings_df.sample(1000, random_state=42).index; here every row
    for image_id, owner, target_embeddings in rows:
        target_vector = tag_vector[owner]
        tag_distance = [F.cosine_similarity(tag_vector[rows[k][1]], target_vector)[0].item() for k in first_rows]
        distance = [np.round(distance_evaluator_altered(target_embeddings, rows[k][2]), 4) for k in first_rows]
        r = pandas_corr(tag_distance, distance)
        if np.isnan(r):
            dropped.append(image_id)
        else:
            per_query[image_id] = r
    values = list(per_query.values())
    return {
        "score": float(np.array(values).mean()) if values else None,
        "perQuery": per_query,
        "droppedQueries": dropped,
        "queriesUsed": len(values),
        "queriesDropped": len(dropped),
    }


# ------------------------------------------------------------------ Tag_Weighting_Calc.ipynb, cells 6, 8, 10, 12
def category_weights(manifest, orders, min_orders=10):
    # cell 8: tag_cat_df (each category's distinct tag names); the Tags table is the manifest's distinct tags
    tag_cat = {}
    for it in manifest["items"]:
        for t in it.get("tags", []):
            names = tag_cat.setdefault(t["category"], [])
            if t["name"] not in names:
                names.append(t["name"])
    # cell 6: group_outfit_tags_by_category
    outfit_tags = {}
    for it in manifest["items"]:
        tags_by_category = {}
        for t in it.get("tags", []):
            if t["category"] not in tags_by_category:
                tags_by_category[t["category"]] = []
            tags_by_category[t["category"]].append(t["name"])
        outfit_tags[it["id"]] = tags_by_category
    # cell 3: recurring_renters = order_df["renter"].value_counts() > 10
    counts = {}
    for user, _ in orders:
        counts[user] = counts.get(user, 0) + 1
    recurring = [u for u in counts if counts[u] > min_orders]

    # cell 10 (verbatim but for tag_cat_df, a dict here)
    def calculate_tag_similarity_score(user_outfit_tags):
        tag_dict = {cat: {tag: 0 for tag in list(tags) + ["None"]} for cat, tags in tag_cat.items()}
        for outfit_tag_dict in user_outfit_tags:
            for cat, tags in tag_dict.items():
                if cat not in outfit_tag_dict:
                    tag_dict[cat]["None"] += 1
                    continue
                for outfit_tag in outfit_tag_dict[cat]:
                    tag_dict[cat][outfit_tag] += 1
        return tag_dict

    def calculate_tag_probabilites(tag_dict, outfit_count):
        tag_probabilities = copy.deepcopy(tag_dict)
        for cat_name in tag_cat:
            for tag in tag_probabilities[cat_name]:
                tag_probabilities[cat_name][tag] = tag_probabilities[cat_name][tag] / outfit_count
        return tag_probabilities

    def calculate_entropy(probabilites):
        entropy = 0
        for prob in probabilites:
            if prob == 0:
                continue
            entropy += prob * np.log(prob)
        entropy *= -1
        return entropy

    def calculate_tag_entropy(tag_probabilites):
        tag_entropy = {}
        for cat, tags in tag_probabilites.items():
            tag_values = tags.values()
            entropy_upper = calculate_entropy([1 / len(tag_values) for i in range(len(tag_values))])
            entropy = calculate_entropy(tag_values)
            tag_entropy[cat] = {"entropy": entropy, "normalized": entropy / entropy_upper}
        return tag_entropy

    def calculate_tag_weighting_per_user(user_id):
        user_outfits = [outfit_tags[item] for user, item in orders if user == user_id]
        tag_occurences = calculate_tag_similarity_score(user_outfits)
        return calculate_tag_entropy(calculate_tag_probabilites(tag_occurences, len(user_outfits)))

    # cell 12: merge_dicts (np.mean over users); Model_Evaluator's inverse_normalized = 1 - normalized
    average_entropy = {}
    for renter in recurring:
        for cat, scores in calculate_tag_weighting_per_user(renter).items():
            average_entropy.setdefault(cat, []).append(scores["normalized"])
    return {cat: float(1 - np.mean(values)) for cat, values in average_entropy.items()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--embeddings")
    parser.add_argument("--orders")
    parser.add_argument("--binary", action="store_true")
    args = parser.parse_args()
    with open(args.dataset) as f:
        manifest = json.load(f)
    if args.embeddings:
        embeddings = np.load(args.embeddings).astype(np.float32)
    else:
        embeddings = np.array([im["embedding"] for im in manifest["images"]], dtype=np.float32)
    out = score(manifest, embeddings, args.binary)
    if args.orders:
        with open(args.orders, newline="") as f:
            orders = [(row[0].strip(), row[1].strip()) for row in list(csv.reader(f))[1:]]
        out["categoryWeights"] = category_weights(manifest, orders)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
