"""Added for the corpus: the template's `openai:text-embedding-3-small` through the fake OpenAI server.

`init_embeddings("openai:...")` counts tokens with tiktoken, which downloads its encoding from the
internet; without the length check the same OpenAI embeddings client needs no download.
"""

from langchain_openai import OpenAIEmbeddings

embeddings = OpenAIEmbeddings(model="text-embedding-3-small", check_embedding_ctx_length=False)
