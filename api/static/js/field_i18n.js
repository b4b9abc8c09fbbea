// The field app's labels (the phone of a grid worker), added to the pages' dictionary (i18n.js).
Object.assign(window.GRIDMAP_I18N.zh, {
  f_title: "今日巡查", f_waiting: "待同步", f_online: "在线", f_offline: "离线", f_checkin: "走访签到",
  f_report: "上报事件", f_my_cases: "我的事件", f_walk_start: "开始巡查", f_walk_stop: "结束巡查",
  f_walking: "巡查中 · {n} 个定位点", f_nearest_first: "离您最近的楼栋排在最前", f_do_checkin: "签到",
  f_take_photo: "拍照（最多 4 张）", f_after_photo: "拍处置后照片", f_where_here: "我所在的位置", f_where_tap: "在地图上点选",
  f_tap_map: "请在地图上点一下事件位置", f_no_position: "尚未取得定位", f_position: "位置 {lon}, {lat}", f_accuracy: "（定位精度约 {acc} 米）", f_in_building: "在{name}", f_by_building: "{name}旁约 {m} 米", f_by_street: "{name}上",
  f_close: "关闭", f_queue: "待同步记录", f_sync_now: "立即同步", f_mark_handled: "标记已处置",
  f_handle_title: "处置事件 #{id}", f_queued: "已保存在手机上，有网络时自动同步", f_synced: "已同步", f_checked_in: "已签到：{name}", f_at_building: "所在楼栋", f_instructions: "交办说明", f_delete_held: "这是 {user} 记录的，删除后不会再发送。确定删除吗？", f_busy: "服务器忙，记录仍保存在手机上，稍后自动重试", f_handled_waiting: "已标记处置，待同步", f_no_building: "不指定楼栋（只记位置）", f_correct: "修改后重新上报", f_walk_too_short: "巡查不到 20 米，未保存", f_choose_category: "请选择类别", f_need_category: "请先选择事件类别", f_reported: "已上报：{what}", f_marked: "已标记处置：事件 #{id}", f_walk_saved: "巡查轨迹已保存（{n} 个定位点）", f_far: "您离{name}约 {m} 米，确定在这里签到？再点一次“签到”即记录",
  f_refused: "被退回", f_waiting_item: "等待同步", f_held: "由 {user} 记录：{user} 登录后发送", f_sign_in_again: "未登录或登录已失效：请登录，待同步记录仍保存在手机上",
  f_sign_in: "重新登录", f_track: "巡查轨迹", f_visit: "走访签到", f_case: "上报事件", f_handled: "事件处置", f_photo: "照片",
  f_route: "今日路线：全社区分 {of} 条，您走第 {n} 条 · {km} 公里 · 约 {min} 分钟", f_route_one: "今日路线：走遍全社区 · {km} 公里 · 约 {min} 分钟",
  f_route_grid: "今日路线：本网格分 {of} 条，您走第 {n} 条 · {km} 公里 · 约 {min} 分钟", f_route_grid_one: "今日路线：走遍本网格 · {km} 公里 · 约 {min} 分钟", f_rest_day: "今天休息；如值班，可按 {day} 的路线巡查",
  f_no_route: "今天没有排给您的巡查路线", f_next: "下一段：{n}. {name}", f_start: "起点", f_office: "社区办公室", f_streets_left: "还需走 {n} 条道路（约 {km} 公里）", f_route_done: "今日路线已走完", f_colon: "：", f_photo_1: "1 张照片",
  f_new_cases: "新派给您 {n} 件事件：#{id} {what} · {urgency}，请在“我的事件”查看", f_you_outside: "您现在在本社区范围之外", f_sign_out: "退出登录", f_signed_in_as: "登录账号：{user}", f_office_short: "社区", f_start_at_office: "起点 · 社区办公室",
  f_centre_me: "回到我的位置并跟随", f_pick_title: "在地图上点选事件位置", f_use_here: "用这个位置", f_back: "返回", f_case_here: "事件位置", f_no_today: "今日任务尚未取得：请连上网络后重试", f_report_waiting: "未同步：有网络时自动上报",
  f_sign_out_waiting: "还有 {n} 条记录未同步：退出后仍保存在手机上，您再次登录时发送。确定退出吗？", f_visits_left: "今日走访 {n} 栋",
  f_outside: "这个位置在本社区之外（地图上灰色区域），请在社区内选点", f_refused_now: "{n} 条记录被退回，未上报成功：{what}（{reason}）。请点“待同步”查看",
  f_need_text: "请填写问题描述", f_need_note: "请填写处置情况", f_need_place: "请先取得定位或在地图上点选位置",
  f_need_building: "附近没有可签到的楼栋", f_saved_offline: "离线数据（{day}）", f_none: "没有未办结的事件",
  f_assigned: "派给我", f_reported_by_me: "我上报的", f_due: "期限", f_delete: "删除", f_photos_n: "{n} 张照片",
  f_lang: "EN", f_m: "{m} 米", f_not_linked: "此账号尚未关联网格员档案", f_done: "已走", f_todo: "待走", f_me: "我的位置", f_fixes: "{n} 个定位点",
});
Object.assign(window.GRIDMAP_I18N.en, {
  f_title: "Patrol", f_waiting: "Waiting", f_online: "Online", f_offline: "Offline", f_checkin: "Check in",
  f_report: "Report a case", f_my_cases: "My cases", f_walk_start: "Start walk", f_walk_stop: "Stop walk",
  f_walking: "Walking · {n} fixes", f_nearest_first: "Nearest building first", f_do_checkin: "Check in",
  f_take_photo: "Take photos (up to 4)", f_after_photo: "Photo after handling", f_where_here: "Where I stand", f_where_tap: "Tap on the map",
  f_tap_map: "Tap the map where the case is", f_no_position: "No position yet", f_position: "At {lon}, {lat}", f_accuracy: " (±{acc} m)", f_in_building: "At {name}", f_by_building: "{m} m from {name}", f_by_street: "On {name}",
  f_close: "Close", f_queue: "Waiting to sync", f_sync_now: "Sync now", f_mark_handled: "Mark handled",
  f_handle_title: "Handle case #{id}", f_queued: "Saved on the phone; it syncs when there is signal", f_synced: "Synced", f_checked_in: "Checked in: {name}", f_at_building: "At building", f_instructions: "Instructions", f_delete_held: "{user} recorded this; deleted, it is never sent. Delete it?", f_busy: "The service is busy; the records stay on the phone and are sent again later", f_handled_waiting: "Marked handled; waiting to sync", f_no_building: "No building (the point only)", f_correct: "Correct and send again", f_walk_too_short: "The walk went less than 20 m: not kept", f_choose_category: "Choose a category", f_need_category: "Choose the case's category first", f_reported: "Reported: {what}", f_marked: "Marked handled: case #{id}", f_walk_saved: "Walk saved ({n} fixes)", f_far: "You are about {m} m from {name}. Check in here anyway? Tap Check in again to record it",
  f_refused: "Refused", f_waiting_item: "Waiting", f_held: "recorded by {user}: sent when {user} signs in", f_sign_in_again: "Not signed in: sign in; the waiting records stay on the phone",
  f_sign_in: "Sign in", f_track: "Walk", f_visit: "Check-in", f_case: "Case", f_handled: "Handled", f_photo: "Photo",
  f_route: "Today: the community in {of} routes, yours is route {n} · {km} km · about {min} min", f_route_one: "Today: the whole community · {km} km · about {min} min",
  f_route_grid: "Today: your grid in {of} routes, yours is route {n} · {km} km · about {min} min", f_route_grid_one: "Today: your whole grid · {km} km · about {min} min", f_rest_day: "Rest day; on duty, walk the route of {day}",
  f_no_route: "No patrol route for you today", f_next: "next: {n}. {name}", f_start: "Start", f_office: "Community office", f_streets_left: "{n} streets to walk (about {km} km)", f_route_done: "Today's route is walked", f_colon: ": ", f_photo_1: "1 photo",
  f_new_cases: "{n} new case(s) given to you: #{id} {what} · {urgency}; see My cases", f_you_outside: "You are outside the community", f_sign_out: "Sign out", f_signed_in_as: "Signed in as {user}", f_office_short: "Office", f_start_at_office: "Start · office",
  f_centre_me: "Centre on me and follow", f_pick_title: "Tap the case's place on the map", f_use_here: "Use this place", f_back: "Back", f_case_here: "The case's place", f_no_today: "Today's work has not arrived: connect and try again", f_report_waiting: "Not sent yet: sent when there is signal",
  f_sign_out_waiting: "{n} records are not sent yet: they stay on the phone and go when you sign in again. Sign out?", f_visits_left: "{n} buildings to visit",
  f_outside: "This place is outside the community (grey on the map): choose a place inside it", f_refused_now: "{n} record(s) sent back, not reported: {what} ({reason}). Tap Waiting to see",
  f_need_text: "Describe the problem", f_need_note: "Say what was done", f_need_place: "Wait for a position or tap the map",
  f_need_building: "No building nearby to check in at", f_saved_offline: "Offline copy ({day})", f_none: "No open cases",
  f_assigned: "Mine to handle", f_reported_by_me: "Reported by me", f_due: "Due", f_delete: "Delete", f_photos_n: "{n} photos",
  f_lang: "中", f_m: "{m} m", f_not_linked: "This account is not linked to a worker record", f_done: "Walked", f_todo: "To walk", f_me: "Me", f_fixes: "{n} fixes",
});
// A label with its {placeholders} filled (as text).
window.tf = function (key, values, lang = gridmapLang()) {
  const text = (window.GRIDMAP_I18N[lang] || {})[key] || key;
  return text.replace(/\{(\w+)\}/g, (_, k) => (values[k] === undefined ? "" : String(values[k])));
};
