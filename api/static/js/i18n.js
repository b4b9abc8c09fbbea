// Every label of the pages, in Chinese (the default) and English.
window.GRIDMAP_I18N = {
  zh: {
    title: "网格化管理 一张图", jurisdiction: "社区", language: "English", basemap: "底图",
    none: "无底图", osm: "OpenStreetMap", gaode: "高德（GCJ-02）", tianditu: "天地图", boundary: "社区边界", compounds: "小区", grids: "网格", buildings: "楼栋",
    courier_zones: "快递停车分拣区", stations: "驿站 / 服务中心", streets: "道路",
    patrol: "今日巡查路线", coverage: "快递服务范围（步行）", code: "编码", leader: "网格长",
    households: "户数", residents: "人口", name: "名称", kind: "类型", capacity: "容量",
    open_grid: "打开网格页", grid_page: "网格", stations_n: "驿站数", workers: "网格员 / 社工", more_people: "另有 {n} 人未列出",
    patrol_coverage: "近 7 日巡查覆盖", area: "面积", loading: "加载中…", error: "出错了",
    route: "路线", metres: "米", minutes: "分钟", back: "返回一张图", none_yet: "暂无",
    responsibility_map: "网格责任图", printed: "打印于", print: "打印", patrol_page: "今日巡查", patrol_day_page: "巡查记录", nav_patrol_day: "巡查记录",
    day_before: "前一天", day_after: "后一天", which_day: "日期", km: "公里", kmh: "公里/小时", too_fast: "速度超过步行",
    checkins: "走访签到", workers_recorded: "{n}/{of} 名巡查员有记录", nothing_recorded: "这一天没有任何记录（未巡查、未签到、未上报）",
    day_total: "巡查 {n} 次，共 {km} 公里，{from}–{to}", too_fast_walk: "速度异常：{from}–{to} 走了 {km} 公里，平均 {kmh} 公里/小时，不像步行",
    cases_reported: "上报事件", cases_handled: "处置事件",
    streets_in_order: "依次走过的道路", worker: "巡查员",
    planner: "网格规划", draft: "草案", new_draft: "新建草案", compare: "与现行方案比较", publish: "发布",
    accepted: "已保存", unchanged: "边界未改变，未保存（顶点放在离原处或其他顶点 10 像素内会吸附过去：放大地图可细调）", self_crossing: "这样拖会让边界自相交，已撤回", refused: "修改被拒绝", published: "已发布", moved_buildings: "楼栋换网格", grid_changes: "个网格有变化",
    deviation: "偏差", compactness: "紧凑度", no_draft: "请先新建草案",
    gap: "缝隙", overlap: "重叠", outside_boundary: "超出社区边界", not_contiguous: "网格不连通",
    building_split: "楼栋被网格边界分割", building_unassigned: "楼栋不在任何网格内",
    households_out_of_tolerance: "户数超出允许偏差", invalid_code: "网格编码无效", thin_part: "网格有尖角或细长条",
    sign_in: "登录", username: "用户名", password: "密码", logout: "退出",
    communities_page: "各社区接诉即办对比", community: "社区", all_communities: "合计（各社区）", month: "月份", nav_communities: "各社区对比", street_office: "街道",
    compare_note: "{n} 个社区 · 办理状态截至 {as_of} · 点列名按该项排序（差的在前）",
    facility_changes: "处停车区/驿站有变化", change_added: "新增", change_removed: "删除", change_changed: "修改", reshaped_m2: "形状变化 {n} m²", moved_m: "移动 {n} 米",
    case_building: "事件所在楼栋", this_month: "本月", open_monthly_report: "查看月报（按网格）", move_to_grid: "移入该网格", pages: "页面", nav_map: "一张图", nav_cases: "事件办理", nav_report: "接诉即办月报", nav_patrol: "今日巡查路线",
    nav_planner: "网格规划", nav_field: "外勤（手机）",
    details: "▲ 详情", my_grid: "我的网格", cancel: "取消", patrol_coverage_long: "近 7 日巡查覆盖（已走道路长度占比）", households_unit: "户", fold: "▼ 收起", legend: "图例", grid_n: "网格", not_allowed_layer: "无权查看此图层",
    social_worker: "社工", grid_worker: "网格员", steward_retired: "小巷管家（退休党员）",
    steward_working: "小巷管家（在职党员）", volunteer: "志愿者", patrol_coverage_of: "已走道路长度占比",
    no_grid: "没有这个网格", route_n: "路线", draft_default: "草案", before_first_publish: "首次发布前的方案",
    confirm_publish: "发布后，此草案将替换现行网格方案。确定发布吗？", confirm_discard: "删除后，此草案及其中的全部修改都将丢弃，无法恢复。确定删除吗？", discard_draft: "删除草案", discarded: "已删除草案", drag_hint: "拖动网格或停车区的顶点即可修改边界；点击楼栋可把它连同周边用地移入另一网格；每次修改都会立即检查。",
    forbidden_page: "无权打开此页面", missing_page: "没有找到要打开的内容", bad_link_page: "链接有误", back_home: "回到一张图", service_area: "服务范围",
    start: "起点", rest_day: "今天不是工作日，不安排巡查", walk_total: "全程 {m} 米，约 {min} 分钟",
    visits_today: "今日走访楼栋", no_visits: "今日无走访", visit_small: "小走访", visit_big: "大走访",
    walk_direction: "箭头：行走方向", contact: "联系", community_office: "{name}居委会", hh: "{n}户",
    cases: "事件", cases_page: "事件办理", case_n: "事件", open_case: "打开事件页", report_case: "上报事件",
    state: "状态", urgency: "紧急程度", category: "类别", source: "来源", all: "全部", overdue: "已超期",
    overdue_only: "只看超期", open_only: "只看未办结", description: "描述", where: "位置", pick_on_map: "在地图上点选位置",
    picked: "已选位置", submit_report: "上报", reported_ok: "已上报", due: "办结期限", reported_at: "上报时间",
    assignee: "承办人", department: "部门", handling: "处置情况", reason: "原因", review_on: "复查日期", timeline: "办理经过",
    actions: "可办理的操作", no_actions: "您当前没有可办理的操作", note: "说明", note_needed: "（必填）",
    assignee_hint: "处置人（空：自动派遣给网格员）", department_hint: "或派遣给部门", reporter: "上报人",
    filter: "筛选", no_cases: "没有符合条件的事件", total_n: "共 {n} 件", open_cases: "未办结事件", overdue_cases: "超期事件",
    cases_of_grid: "本网格事件", more: "更多…", ticket: "工单编号", handled_by: "处置人",
    state_reported: "上报", state_accepted: "立案", state_rejected: "不予立案", state_dispatched: "派遣",
    state_handled: "处置", state_verified: "核查", state_closed: "结案", state_parked: "挂账",
    do_accepted: "立案并派遣", do_rejected: "不予立案", do_dispatched: "派遣", do_handled: "登记处置",
    do_verified: "核查通过", do_closed: "结案", do_parked: "挂账", do_back_handled: "退回重新处置",
    urgency_red: "紧急（红）", urgency_yellow: "重要（黄）", urgency_blue: "一般（蓝）",
    source_patrol: "巡查发现", source_hotline: "12345 热线", source_resident: "居民反映", source_inspection: "检查",
    case_parked: "挂账", case_overdue: "超期（虚线圈）", cases_legend: "事件",
    hotspots: "事件热点", hotspots_on: "按网格着色（所选类别、时段的事件数）", from_day: "起始日", to_day: "截止日",
    hot_n: "≥ {n} 件", hot_none: "无事件", hot_density: "事件热力（核密度）", hot_peak: "热点", hot_per_km2: "件/平方公里",
    hot_of_peak: "（相对最高处）", hot_cases_n: "{n} 件事件，最高 {max} 件/平方公里", hot_show: "显示",
    hot_bandwidth: "半径（米）", monthly_report: "接诉即办月报", this_grid: "本网格", whole_community: "全社区",
    received: "受理", response_rate: "响应率", resolution_rate: "解决率", satisfaction_rate: "满意率",
    on_time_closure_rate: "按期办结率", open_n: "未办结", overdue_n: "超期", parked_n: "挂账",
    over_tolerance: "网格 {grids} 的户数偏离目标超过 ±{pct}%",
    received_month: "受理月份", overdue_of_month: "其中超期", overdue_now_n: "现在超期的事件（不限受理月份）：{n} 件",
    show_them: "查看", scroll_more: "左右滑动查看更多列",
    more_cases: "另有 {n} 件未列出", more_cases_continued: "另有 {n} 件，见续页", continued: "续页", month_label: "{y}年{m}月", no_grid_cases: "本月本网格无事件",
    open_cases_print: "未办结事件", unnamed_buildings: "图上未能标注的楼栋", case_closed_or_rejected: "已结案 / 不予立案",
    report_note: "数字按月末时的办理情况统计；列表中的状态为打印时的状态。", photos_before: "处置前照片",
    photos_after: "处置后照片", no_case: "没有这个事件", auto_dispatched: "自动派遣（本网格的网格员，或类别的主管部门）", recorded_late: "补录于", photos_after_add: "添加处置后照片", assignee_social_worker: "社工", assignee_grid_worker: "网格员", assignee_steward_retired: "楼门院长（退休）", assignee_steward_working: "楼门院长（在职）", assignee_volunteer: "志愿者", assignee_grid_leader: "网格长", assignee_account_worker: "网格员账号", assignee_account_leader: "网格长账号", call_back: "回访", satisfaction: "满意度", solved: "是否解决", record_call_back: "记录回访", call_back_saved: "回访已记录", satisfaction_satisfied: "满意", satisfaction_basically: "基本满意", satisfaction_dissatisfied: "不满意", solved_yes: "已解决", solved_no: "未解决", stale: "事件已被他人更新，已重新载入，请再操作一次",
    wrong_password: "用户名或密码错误", too_many: "失败次数过多，请稍后再试（秒）：", forbidden: "无权查看",
  },
  en: {
    title: "Community grid map", jurisdiction: "Community", language: "中文", basemap: "Basemap",
    none: "No basemap", osm: "OpenStreetMap", gaode: "Gaode (GCJ-02)", tianditu: "Tianditu", boundary: "Boundary", compounds: "Compounds", grids: "Grids", buildings: "Buildings",
    courier_zones: "Courier zones", stations: "Post stations", streets: "Streets",
    patrol: "Today's patrol routes", coverage: "Courier service areas (walking)", code: "Code", leader: "Grid leader",
    households: "Households", residents: "Residents", name: "Name", kind: "Kind", capacity: "Capacity",
    open_grid: "Open the grid page", grid_page: "Grid", stations_n: "Stations", workers: "Workers", more_people: "{n} more not listed",
    patrol_coverage: "Patrol coverage, last 7 days", area: "Area", loading: "Loading…", error: "Error",
    route: "Route", metres: "m", minutes: "min", back: "Back to the map", none_yet: "none yet",
    responsibility_map: "Grid responsibility map", printed: "Printed", print: "Print", patrol_page: "Today's patrol", patrol_day_page: "Patrols done", nav_patrol_day: "Patrols done",
    day_before: "Day before", day_after: "Day after", which_day: "Day", km: "km", kmh: "km/h", too_fast: "Faster than walking",
    checkins: "Check-ins", workers_recorded: "{n} of {of} walkers recorded something", nothing_recorded: "Nothing recorded this day (no walk, check-in or report)",
    day_total: "{n} walks, {km} km, {from}–{to}", too_fast_walk: "Too fast: {km} km from {from} to {to}, {kmh} km/h on average — not a walk",
    cases_reported: "Cases reported", cases_handled: "Cases handled",
    streets_in_order: "Streets in walking order", worker: "Worker",
    planner: "Grid planning", draft: "Draft", new_draft: "New draft", compare: "Compare with published", publish: "Publish",
    accepted: "Saved", unchanged: "Nothing changed; nothing saved (a vertex dropped within 10 px of where it was, or of another, snaps to it: zoom in to move it less)", self_crossing: "That drag would make the boundary cross itself: undone", refused: "Edit refused", published: "Published", moved_buildings: "buildings change grid", grid_changes: "grids change",
    deviation: "Deviation", compactness: "Compactness", no_draft: "Create a draft first",
    gap: "Gap", overlap: "Overlap", outside_boundary: "Outside the community", not_contiguous: "Grid in pieces",
    building_split: "Building cut by a grid boundary", building_unassigned: "Building in no grid",
    households_out_of_tolerance: "Households off target", invalid_code: "Invalid grid code", thin_part: "Spike or thin strip",
    sign_in: "Sign in", username: "User name", password: "Password", logout: "Sign out",
    communities_page: "Communities compared: cases handled (接诉即办)", community: "Community", all_communities: "All communities", month: "Month",
    nav_communities: "Communities compared", street_office: "street office",
    compare_note: "{n} communities · states as of {as_of} · click a column to sort by it (worst first)",
    facility_changes: "courier zones or stations changed", change_added: "added", change_removed: "removed",
    change_changed: "changed", reshaped_m2: "reshaped by {n} m²", moved_m: "moved {n} m",
    case_building: "The case's building", this_month: "This month", open_monthly_report: "Open the monthly report (by grid)", move_to_grid: "Move into this grid", pages: "Pages", nav_map: "One map", nav_cases: "Cases", nav_report: "Monthly report", nav_patrol: "Today's patrols",
    nav_planner: "Planner", nav_field: "Field app (phone)",
    details: "▲ Details", my_grid: "My grid", cancel: "Cancel", patrol_coverage_long: "Patrol coverage, last 7 days (share of street length walked)", households_unit: " hh", fold: "▼ Fold", legend: "Legend", grid_n: "Grid", not_allowed_layer: "Not allowed for your role",
    social_worker: "social worker", grid_worker: "grid worker", steward_retired: "lane steward (retired member)",
    steward_working: "lane steward (working member)", volunteer: "volunteer", patrol_coverage_of: "share of street length walked",
    no_grid: "No such grid", route_n: "Route", draft_default: "Draft", before_first_publish: "Layout before the first publish",
    confirm_publish: "Publishing replaces the current grid layout with this draft. Publish?", confirm_discard: "Discarding throws this draft and all its changes away for good. Discard it?", discard_draft: "Discard draft", discarded: "Discarded",
    drag_hint: "Drag a vertex of a grid or a courier zone to move its boundary; click a building to give it, with the ground around it, to another grid; each edit is checked at once.",
    forbidden_page: "You may not open this page", missing_page: "Not found", bad_link_page: "This link is wrong", back_home: "Back to the map", service_area: "Service area",
    start: "Start", rest_day: "Not a working day: no patrol today", walk_total: "{m} m in all, about {min} min",
    visits_today: "Buildings to visit today", no_visits: "No building visits today", visit_small: "short visit",
    visit_big: "full visit", walk_direction: "Arrows: walking direction", contact: "Contact",
    community_office: "{name} community office", hh: "{n} households",
    cases: "Cases", cases_page: "Cases", case_n: "Case", open_case: "Open the case", report_case: "Report a case",
    state: "State", urgency: "Urgency", category: "Category", source: "Source", all: "All", overdue: "Overdue",
    overdue_only: "Overdue only", open_only: "Open only", description: "Description", where: "Where", pick_on_map: "Click the map to place it",
    picked: "Placed at", submit_report: "Report", reported_ok: "Reported", due: "Due", reported_at: "Reported",
    assignee: "Assignee", department: "Department", handling: "What was done", reason: "Reason", review_on: "Review on", timeline: "Timeline",
    actions: "Next steps", no_actions: "No step is yours to take now", note: "Note", note_needed: "(required)",
    assignee_hint: "Assignee (empty: the grid's worker)", department_hint: "Or a department", reporter: "Reporter",
    filter: "Filter", no_cases: "No case matches", total_n: "{n} in all", open_cases: "Open cases", overdue_cases: "Overdue cases",
    cases_of_grid: "Cases of this grid", more: "More…", ticket: "Ticket no.", handled_by: "Handled by",
    state_reported: "reported", state_accepted: "accepted", state_rejected: "rejected", state_dispatched: "dispatched",
    state_handled: "handled", state_verified: "verified", state_closed: "closed", state_parked: "parked",
    do_accepted: "Accept and dispatch", do_rejected: "Reject", do_dispatched: "Dispatch", do_handled: "Record handling",
    do_verified: "Verified", do_closed: "Close", do_parked: "Park", do_back_handled: "Send back to handling",
    urgency_red: "urgent (red)", urgency_yellow: "important (yellow)", urgency_blue: "ordinary (blue)",
    source_patrol: "found on patrol", source_hotline: "12345 hotline", source_resident: "resident", source_inspection: "inspection",
    case_parked: "parked", case_overdue: "overdue (dashed ring)", cases_legend: "Cases",
    hotspots: "Hot spots", hotspots_on: "Shade grids by cases (of the category, in the period)", from_day: "From",
    to_day: "To", hot_n: "≥ {n} cases", hot_none: "no case", hot_density: "Case density (kernel)",
    hot_peak: "Hot spot", hot_per_km2: "cases per km²", hot_of_peak: "of the highest", hot_cases_n: "{n} cases, at most {max} per km²",
    hot_show: "Show", hot_bandwidth: "Radius (m)", monthly_report: "Cases handled (接诉即办), monthly report",
    this_grid: "This grid", whole_community: "Community", received: "Received", response_rate: "Response rate",
    resolution_rate: "Resolution rate", satisfaction_rate: "Satisfaction rate", on_time_closure_rate: "Closed on time",
    over_tolerance: "grid {grids}: households stray from the target by more than ±{pct}%",
    received_month: "Received in", overdue_of_month: "Of them overdue", overdue_now_n: "Overdue now (received any month): {n}",
    show_them: "Show them", scroll_more: "Swipe sideways for more columns",
    open_n: "Open", overdue_n: "Overdue", parked_n: "Parked", more_cases: "{n} more not listed", more_cases_continued: "{n} more, on the next sheet", continued: "continued", month_label: "{y}-{m}",
    no_grid_cases: "No case in this grid this month", open_cases_print: "Open cases", unnamed_buildings: "Buildings not named on the map",
    case_closed_or_rejected: "closed / rejected",
    report_note: "Numbers as the cases stood at the end of the month; the list shows their state when printed.",
    photos_before: "Photos before", photos_after: "Photos after", no_case: "No such case", auto_dispatched: "Dispatched automatically (the grid's worker, or the category's department)", recorded_late: "written", photos_after_add: "Add photos after handling", assignee_social_worker: "Social worker", assignee_grid_worker: "Grid worker", assignee_steward_retired: "Steward (retired)", assignee_steward_working: "Steward (working)", assignee_volunteer: "Volunteer", assignee_grid_leader: "Grid leader", assignee_account_worker: "Worker account", assignee_account_leader: "Leader account", call_back: "Call-back", satisfaction: "Satisfaction", solved: "Solved", record_call_back: "Record the answer", call_back_saved: "Call-back recorded", satisfaction_satisfied: "Satisfied", satisfaction_basically: "Basically satisfied", satisfaction_dissatisfied: "Dissatisfied", solved_yes: "Solved", solved_no: "Not solved", stale: "Someone else changed the case; it is loaded again: try once more",
    wrong_password: "Wrong user name or password", too_many: "Too many failed attempts; try again in (s):",
    forbidden: "Not allowed",
  },
};
window.gridmapLang = function () {
  const q = new URLSearchParams(location.search).get("lang");
  return q === "en" ? "en" : "zh";
};
window.t = function (key) {
  const lang = window.gridmapLang();
  return (window.GRIDMAP_I18N[lang] || {})[key] || key;
};
// A label with its {placeholders} filled (as text).
window.tf = function (key, values, lang = gridmapLang()) {
  const text = (window.GRIDMAP_I18N[lang] || {})[key] || key;
  return text.replace(/\{(\w+)\}/g, (_, k) => (values[k] === undefined ? "" : String(values[k])));
};
// A path on this site with the language set; anything pointing elsewhere becomes "/".
window.withLang = function (url, lang) {
  let u = new URL(url, location.href);
  if (u.origin !== location.origin || u.pathname.startsWith("//")) u = new URL("/", location.href);
  u.searchParams.set("lang", lang);
  return u.pathname + u.search;
};
// Build an element with text only: every value from data or a URL reaches the page as text, never
// as HTML. el("td", { className: "x" }, "text", otherNode): strings become text nodes.
window.el = function (tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "dataset") Object.assign(node.dataset, v);
    else node[k] = v;
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    node.append(c instanceof Node ? c : String(c));
  }
  return node;
};
// Lines of text, one under another (a tooltip of several values).
window.lines = function (...texts) {
  const node = document.createElement("div");
  texts.filter((x) => x !== null && x !== undefined && x !== "").forEach((x, i) => {
    if (i) node.append(document.createElement("br"));
    node.append(String(x));
  });
  return node;
};
// Every request asks for answers (the service's messages) in the page's language; a session that
// ended (expired, signed out elsewhere) sends the page to the login page, and back.
(function () {
  const plain = window.fetch.bind(window);
  window.fetch = async function (resource, init = {}) {
    const headers = new Headers(init.headers || (resource instanceof Request ? resource.headers : undefined));
    if (!headers.has("Accept-Language")) headers.set("Accept-Language", gridmapLang());
    const r = await plain(resource, { ...init, headers });
    // (the field app asks not to: its queue waits on the phone until the worker signs in again)
    // once: the page's other requests answered 401 too, or a sign-out already on its way, each
    // started the navigation again and the one under way was aborted
    if (r.status === 401 && location.pathname !== "/login" && !init.noLoginRedirect && !window.gridmapLeaving) {
      window.gridmapLeaving = true;
      location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
    }
    return r;
  };
})();
// A rate (0-1) as a percentage with one decimal; none (no case to count) as a dash.
window.gridmapPercent = (x) => (x === null || x === undefined ? "—" : `${(x * 100).toFixed(1)}%`);
// Who is signed in (asked once a page): name, role, reach, and the actions the role may take.
window.gridmapMe = function () {
  if (!window.gridmapMePromise) {
    window.gridmapMePromise = fetch("/auth/me").then((r) => (r.ok ? r.json() : null)).catch(() => null);
  }
  return window.gridmapMePromise;
};
// A leader bound to no community: the street office (街道) above them, whose page is /communities.
window.gridmapStreetOffice = (me) => me.role === "leader" && !me.jurisdiction;
// The pages a role may open, each of the jurisdiction shown, in a menu: the action each needs
// (as the routes check it) and its path.
const GRIDMAP_PAGES = [["nav_map", "view", "/"], ["nav_cases", "view", "/cases"], ["nav_report", "read", "/cases-report"],
  ["nav_patrol", "read", "/patrol-today"], ["nav_patrol_day", "read", "/patrol-day"], ["nav_planner", "plan", "/planner"], ["nav_field", "report", "/field"],
  ["nav_communities", "read", "/communities"]];
window.gridmapPages = function (me) {
  const slug = document.body.dataset.jurisdiction || "";
  const menu = el("details", { id: "pages" }, el("summary", {}, t("pages")));
  const list = el("nav", {});
  list.setAttribute("aria-label", t("pages"));
  for (const [key, action, path] of GRIDMAP_PAGES) {
    if (!me.may.includes(action)) continue;
    if (path === "/communities" && me.jurisdiction) continue;  // the street office's: who sees every community
    const href = path === "/field" ? "/field" : withLang(`${path}?jurisdiction=${encodeURIComponent(slug)}`, gridmapLang());
    const a = el("a", { href }, t(key));
    if (location.pathname === path) a.setAttribute("aria-current", "page");
    list.append(a);
  }
  menu.append(list);
  return menu;
};
// The days the field app kept for offline use (its service worker's "field-data-" caches), and
// the streets marked walked in them: gone when their worker signs out or is signed out, when
// another account signs in, and once the session is over, so that the next one to open /field on
// a shared phone never sees them, offline or not. (What is queued to send stays: it waits for its worker.)
window.gridmapForgetFieldDays = async function () {
  for (const k of Object.keys(localStorage)) {
    if (k.startsWith("gridmap-field-done-") || k.startsWith("gridmap-field-seen-")) localStorage.removeItem(k);
  }
  if (!window.caches) return;
  for (const name of await caches.keys()) if (name.startsWith("field-data-")) await caches.delete(name);
};
// When this phone's session ends (its sign-in said how long it lasts; sessions are not extended):
// past it, a kept day is nobody's to show, offline too (the cookie is HttpOnly: no page can see it go).
const GRIDMAP_SESSION_ENDS = "gridmap-session-ends";
window.gridmapSessionEnds = () => Number(localStorage.getItem(GRIDMAP_SESSION_ENDS)) || null;  // ms; none before its first sign-in here
window.gridmapSessionOver = function () {
  const ends = gridmapSessionEnds();
  return ends !== null && Date.now() > ends;
};
// The account the field app last knew on this phone (its queued records are that account's).
const GRIDMAP_FIELD_USER = "gridmap-field-user";
// Signing out, on any page: the field app's kept days and the day's walked streets are forgotten
// first (so with no signal too), then the service ends the session. With no signal the session
// cookie stays (HttpOnly: no page can clear it): the sign-out is remembered and finished the
// next time a page of this site opens with one (gridmapFinishSignOut), before the field app asks
// anything, so that the next person on a shared phone is never the last one.
const GRIDMAP_SIGN_OUT_PENDING = "gridmap-sign-out-pending";
const gridmapSessionEnded = (r) => Boolean(r) && (r.ok || r.status === 401);  // ended now (204), or before (401)
window.gridmapSignOut = async function (next) {
  window.gridmapLeaving = true;  // the page's requests answered 401 from now on do not navigate too
  await gridmapForgetFieldDays();
  const r = await fetch("/auth/logout", { method: "POST", noLoginRedirect: true }).catch(() => null);
  if (!gridmapSessionEnded(r)) localStorage.setItem(GRIDMAP_SIGN_OUT_PENDING, "1");
  location.href = withLang(next, gridmapLang());
};
let gridmapFinishing = null;
window.gridmapFinishSignOut = function () {
  if (!gridmapFinishing) {
    gridmapFinishing = (async () => {
      if (gridmapSessionOver()) await gridmapForgetFieldDays();
      if (!localStorage.getItem(GRIDMAP_SIGN_OUT_PENDING)) return;
      const r = await fetch("/auth/logout", { method: "POST", noLoginRedirect: true }).catch(() => null);
      if (gridmapSessionEnded(r)) localStorage.removeItem(GRIDMAP_SIGN_OUT_PENDING);
      else gridmapFinishing = null;  // no signal, or not ended (a proxy's 502, a busy 503): tried again next time
    })();
  }
  return gridmapFinishing;
};
// Signed in anew (``answer``: /auth/token's), the pending sign-out is moot: that session's cookie
// is replaced on this phone. Another account than the field app last knew: the day it kept, and
// the streets walked in it, go first (a shared phone's next user never sees the last one's day,
// however the last one's session ended).
window.gridmapSignedIn = async function (answer) {
  localStorage.removeItem(GRIDMAP_SIGN_OUT_PENDING);
  localStorage.setItem(GRIDMAP_SESSION_ENDS, String(Date.now() + answer.expires_in * 1000));
  if (localStorage.getItem(GRIDMAP_FIELD_USER) !== answer.user.username) await gridmapForgetFieldDays();
  localStorage.setItem(GRIDMAP_FIELD_USER, answer.user.username);
};
gridmapFinishSignOut();
// Who is signed in, the pages they may open, and the way out, in the bar before the language switch.
window.gridmapUser = async function (before) {
  const me = await gridmapMe();
  if (!me) return;
  const who = document.createElement("span");
  who.id = "user";
  who.textContent = `${me.name || me.username} · ${gridmapStreetOffice(me) ? t("street_office") : gridmapLang() === "en" ? me.role : me.role_zh}`;
  const out = document.createElement("button");
  out.id = "logout";
  out.type = "button";
  out.textContent = t("logout");
  out.onclick = () => gridmapSignOut("/login");
  before.before(who, gridmapPages(me), out);
};
// The bar every page shares: the page's language, its labels, the way back to the one map, the
// language switch, (with a key) the title, and who is signed in (unless user: false).
window.gridmapHeader = function (slug, titleKey, { user = true } = {}) {
  const lang = gridmapLang();
  document.documentElement.lang = lang === "en" ? "en" : "zh";
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  if (titleKey) {
    document.title = t(titleKey);
    document.getElementById("title").textContent = t(titleKey);
  }
  const back = document.getElementById("back");
  if (back) {
    back.textContent = t("back");
    back.href = `/?jurisdiction=${encodeURIComponent(slug)}&lang=${lang}`;
  }
  // On a phone the side panel is a bottom sheet: a handle opens and folds it.
  const side = document.getElementById("side");
  if (side) {  // it scrolls: reachable from the keyboard, and named
    side.tabIndex = 0;
    side.setAttribute("role", "region");
    side.setAttribute("aria-label", t("details").replace(/^[▲▼] /, ""));
  }
  if (side && !document.getElementById("sheet-handle")) {
    const handle = el("button", { id: "sheet-handle", type: "button" }, t("details"));
    handle.setAttribute("aria-expanded", "false");
    handle.onclick = () => {
      const open = document.body.classList.toggle("sheet-open");
      handle.setAttribute("aria-expanded", String(open));
      handle.textContent = open ? t("fold") : t("details");
      if (window.gridmapMap) setTimeout(() => window.gridmapMap.invalidateSize(), 50);
    };
    side.prepend(handle);
  }
  const langButton = document.getElementById("lang");
  langButton.textContent = t("language");
  if (user) gridmapUser(langButton);
  langButton.onclick = () => { location.href = withLang(location.href, lang === "en" ? "zh" : "en"); };
  return lang;
};
