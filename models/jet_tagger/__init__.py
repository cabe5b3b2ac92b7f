"""The jet tagger: a 16-64-32-32-5 network on the hls4ml high-level jet features, as a float
baseline, a 6-bit quantization-aware-trained model, and a 6-bit pruned one."""
