print("codec-bench")
