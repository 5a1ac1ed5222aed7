print("trafficgen")
