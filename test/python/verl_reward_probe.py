"""Runs verl's own reward path in a fresh interpreter (so PYTHONPATH picks the verl version).

Usage: python verl_reward_probe.py OVERRIDES.json PARQUET RESPONSES.json TOKENIZER_DIR CWD

Composes verl's Hydra config (the `ppo_trainer` of the verl that imports) with the overrides
launch.sh passes, builds a real DataProto from the parquet rows as verl's dataset reads them
(`datasets`' parquet loader: data_source, reward_model, extra_info) and the responses tokenized
by TOKENIZER_DIR, lets verl's RewardLoopWorker load the run's reward function with its own
custom-reward loader and score the batch with its reward manager, and prints one JSON object:
{"verl": version, "manager": class name, "loaded_from": file of the reward function, "scores": [...]}.
"""

import functools
import json
import os
import sys


def main():
    overrides_file, parquet, responses_file, tokenizer_dir, cwd = sys.argv[1:6]
    os.chdir(cwd)  # reward.custom_reward_function.path=reward.py is relative to the job's directory
    import numpy as np
    import torch
    import verl
    from hydra import compose, initialize_config_dir
    from transformers import AutoTokenizer
    from verl import DataProto
    from verl.experimental.reward_loop.reward_loop import RewardLoopWorker

    import datasets

    with open(overrides_file, encoding="utf-8") as f:
        overrides = json.load(f)
    with open(responses_file, encoding="utf-8") as f:
        responses = json.load(f)
    config_dir = os.path.join(os.path.dirname(verl.__file__), "trainer", "config")
    with initialize_config_dir(config_dir=config_dir, version_base=None):
        cfg = compose(config_name="ppo_trainer", overrides=overrides)

    rows = datasets.load_dataset("parquet", data_files=parquet)["train"]
    rows = [rows[i % len(rows)] for i in range(len(responses))]
    tok = AutoTokenizer.from_pretrained(tokenizer_dir)
    prompts = [tok(r["prompt"][0]["content"])["input_ids"] for r in rows]
    encoded = [tok(t)["input_ids"] for t in responses]
    plen = max(len(p) for p in prompts)
    rlen = max(len(e) for e in encoded) + 2
    prompt_ids = torch.full((len(rows), plen), tok.pad_token_id)
    response_ids = torch.full((len(rows), rlen), tok.pad_token_id)
    mask = torch.zeros((len(rows), plen + rlen), dtype=torch.long)
    for i, (p, e) in enumerate(zip(prompts, encoded)):
        prompt_ids[i, plen - len(p) :] = torch.tensor(p)  # left-padded prompt, as verl's rollout gives it
        response_ids[i, : len(e)] = torch.tensor(e)
        mask[i, plen - len(p) : plen + len(e)] = 1
    data = DataProto.from_dict(
        tensors={
            "prompts": prompt_ids,
            "responses": response_ids,
            "attention_mask": mask,
            "input_ids": torch.cat([prompt_ids, response_ids], dim=1),
        },
        non_tensors={
            "data_source": np.array([r["data_source"] for r in rows], dtype=object),
            "reward_model": np.array([r["reward_model"] for r in rows], dtype=object),
            "extra_info": np.array([dict(r["extra_info"]) for r in rows], dtype=object),
        },
    )
    worker = RewardLoopWorker(cfg)
    loop = worker.reward_manager.loop  # the loop the manager runs compute_score from (verl sets it up)
    outputs = loop.run_until_complete(worker.compute_score_batch(data))
    fn = worker.reward_manager.compute_score
    while isinstance(fn, functools.partial):  # get_custom_reward_fn wraps it with its reward_kwargs
        fn = next((a for a in fn.args if callable(a)), fn.func)
    print(
        json.dumps(
            {
                "verl": verl.__version__,
                "manager": type(worker.reward_manager).__name__,
                "loaded_from": fn.__code__.co_filename,
                "function": getattr(fn, "__name__", ""),
                "scores": [float(o["reward_score"]) for o in outputs],
                "problems": [r["extra_info"]["problem"] for r in rows],
            }
        )
    )


if __name__ == "__main__":
    main()
